// A notification: one person told of one event (API.md "Notifications"), its closed
// vocabulary of types and its JSON form.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace gd::notifications {

enum class Type {
  kApplicationReceived,
  kApplicationAccepted,
  kApplicationDeclined,
  kTaskStarted,
  kTaskWithdrawn,
  kTaskCompleted,
  kTaskConfirmed,
  kTaskRejected,
  kTaskCancelled,
  kPointsAdjusted,
  kRedemptionRefunded,
};

std::span<const Type> all_types();
std::string_view type_name(Type t);  // application_received, ...

// What a notification says. The ids and numbers are its `data` on the wire; `task_title` only
// fills the text ({task}). Never a location or an email.
struct Data {
  std::optional<std::string> task_id;
  std::optional<std::string> application_id;
  std::optional<std::string> redemption_id;
  std::optional<std::int64_t> points;
  std::optional<std::string> reason;
  std::optional<std::string> task_title;
};

// The payload stored in `data` and sent as `data`: {taskId?, applicationId?, redemptionId?,
// points?, reason?}.
boost::json::object data_json(const Data& d);

struct Notification {
  std::string id;
  std::string user_id;
  std::string type;
  std::string title;
  std::string body;
  std::string data;  // JSON object text, as stored
  std::optional<std::string> task_id;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> read_at_ms;
};

// {id, type, title, body, data, createdAt, readAt}
boost::json::object notification_json(const Notification& n);

}  // namespace gd::notifications
