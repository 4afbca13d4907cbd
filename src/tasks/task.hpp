// The help task, its statuses and categories, and its JSON form as each viewer may see it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/geo.hpp"

namespace gd::tasks {

enum class Status { kOpen, kAssigned, kInProgress, kPendingConfirmation, kCompleted, kCancelled };

std::string_view status_name(Status s);
std::optional<Status> parse_status(std::string_view s);

// An application to help with a task (docs/tasks.md, "Applications").
enum class ApplicationStatus { kPending, kAccepted, kDeclined, kWithdrawn };
std::string_view application_status_name(ApplicationStatus s);
// The stored form back; a name outside the list is an invariant broken (GD_CHECK).
ApplicationStatus application_status_from(std::string_view stored);

// The fixed category list (docs/tasks.md).
bool valid_category(std::string_view c);
const std::vector<std::string_view>& categories();

struct HelpTask {
  std::string id;
  std::string creator_id;
  std::optional<std::string> helper_id;
  std::optional<std::string> project_id;
  std::string title;
  std::string description;
  std::string category;
  GeoPoint location;  // the true point
  GeoPoint grid;      // the snapped point others see
  std::int64_t points_reward = 0;
  Status status = Status::kOpen;
  std::vector<std::string> image_urls;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> completed_at_ms;

  // Creator and assigned helper see the true location; everyone else the snapped one.
  bool sees_true_location(std::string_view viewer) const {
    return viewer == creator_id || (helper_id && viewer == *helper_id);
  }
};

// distance_m is set for search results and measured from the point the viewer sees.
boost::json::object task_json(const HelpTask& t, std::string_view viewer,
                              std::optional<double> distance_m = std::nullopt);
// task_json's text appended to `out`, without building the object: for pages of many tasks.
void write_task_json(std::string& out, const HelpTask& t, std::string_view viewer,
                     std::optional<double> distance_m = std::nullopt);

struct Application {
  std::string id;
  std::string task_id;
  std::string applicant_id;
  std::string message;
  ApplicationStatus status = ApplicationStatus::kPending;
  std::int64_t created_at_ms = 0;
};

boost::json::object application_json(const Application& a);

}  // namespace gd::tasks
