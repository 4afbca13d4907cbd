// Notification types and JSON.
#include "notifications/notification.hpp"

#include <boost/json/parse.hpp>

#include "core/clock.hpp"

namespace gd::notifications {
namespace {

struct Named {
  Type type;
  std::string_view name;
};
constexpr Named kTypes[] = {
    {Type::kApplicationReceived, "application_received"},
    {Type::kApplicationAccepted, "application_accepted"},
    {Type::kApplicationDeclined, "application_declined"},
    {Type::kTaskStarted, "task_started"},
    {Type::kTaskWithdrawn, "task_withdrawn"},
    {Type::kTaskCompleted, "task_completed"},
    {Type::kTaskConfirmed, "task_confirmed"},
    {Type::kTaskRejected, "task_rejected"},
    {Type::kTaskCancelled, "task_cancelled"},
    {Type::kPointsAdjusted, "points_adjusted"},
    {Type::kRedemptionRefunded, "redemption_refunded"},
};
constexpr Type kAll[] = {
    Type::kApplicationReceived, Type::kApplicationAccepted, Type::kApplicationDeclined,
    Type::kTaskStarted,         Type::kTaskWithdrawn,       Type::kTaskCompleted,
    Type::kTaskConfirmed,       Type::kTaskRejected,        Type::kTaskCancelled,
    Type::kPointsAdjusted,      Type::kRedemptionRefunded,
};
static_assert(std::size(kAll) == std::size(kTypes));

}  // namespace

std::span<const Type> all_types() {
  return kAll;
}

std::string_view type_name(Type t) {
  for (const auto& n : kTypes)
    if (n.type == t) return n.name;
  return "";
}

boost::json::object data_json(const Data& d) {
  boost::json::object o;
  if (d.task_id) o["taskId"] = *d.task_id;
  if (d.application_id) o["applicationId"] = *d.application_id;
  if (d.redemption_id) o["redemptionId"] = *d.redemption_id;
  if (d.points) o["points"] = *d.points;
  if (d.reason) o["reason"] = *d.reason;
  return o;
}

boost::json::object notification_json(const Notification& n) {
  boost::system::error_code ec;
  auto data = boost::json::parse(n.data, ec);
  if (ec || !data.is_object()) data = boost::json::object{};
  return {{"id", n.id},
          {"type", n.type},
          {"title", n.title},
          {"body", n.body},
          {"data", std::move(data)},
          {"createdAt", iso8601_ms(n.created_at_ms)},
          {"readAt", n.read_at_ms ? boost::json::value(iso8601_ms(*n.read_at_ms))
                                  : boost::json::value(nullptr)}};
}

}  // namespace gd::notifications
