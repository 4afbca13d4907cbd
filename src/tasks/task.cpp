// HelpTask statuses, categories and JSON forms.
#include "tasks/task.hpp"

#include <cmath>

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/names.hpp"

namespace gd::tasks {
namespace {

constexpr std::string_view kStatusNames[] = {
    "open", "assigned", "in_progress", "pending_confirmation", "completed", "cancelled"};

boost::json::value opt_str(const std::optional<std::string>& s) {
  return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

}  // namespace

std::string_view status_name(Status s) {
  return enum_name(kStatusNames, s);
}

std::optional<Status> parse_status(std::string_view s) {
  return enum_from_name<Status>(kStatusNames, s);
}

namespace {
constexpr std::string_view kApplicationStatusNames[] = {"pending", "accepted", "declined",
                                                        "withdrawn"};
}  // namespace

std::string_view application_status_name(ApplicationStatus s) {
  return enum_name(kApplicationStatusNames, s);
}

ApplicationStatus application_status_from(std::string_view stored) {
  const auto s = enum_from_name<ApplicationStatus>(kApplicationStatusNames, stored);
  GD_CHECK(s && "an application status outside the list");
  return *s;
}

const std::vector<std::string_view>& categories() {
  static const std::vector<std::string_view> kCategories = {
      "shopping", "transport", "garden", "repairs", "tech_help", "pets", "company", "other"};
  return kCategories;
}

bool valid_category(std::string_view c) {
  for (auto k : categories())
    if (k == c) return true;
  return false;
}

boost::json::object task_json(const HelpTask& t, std::string_view viewer,
                              std::optional<double> distance_m) {
  const GeoPoint shown = t.sees_true_location(viewer) ? t.location : t.grid;
  boost::json::array images;
  for (const auto& u : t.image_urls) images.emplace_back(u);
  boost::json::object o{
      {"id", t.id},
      {"creatorId", t.creator_id},
      {"helperId", opt_str(t.helper_id)},
      {"projectId", opt_str(t.project_id)},
      {"title", t.title},
      {"description", t.description},
      {"category", t.category},
      {"location", {{"lat", shown.lat}, {"lng", shown.lng}}},
      {"pointsReward", t.points_reward},
      {"status", status_name(t.status)},
      {"imageUrls", std::move(images)},
      {"createdAt", iso8601_ms(t.created_at_ms)},
      {"updatedAt", iso8601_ms(t.updated_at_ms)},
      {"completedAt", t.completed_at_ms ? boost::json::value(iso8601_ms(*t.completed_at_ms))
                                        : boost::json::value(nullptr)}};
  if (distance_m) o["distanceMeters"] = std::round(*distance_m * 10.0) / 10.0;
  return o;
}

boost::json::object application_json(const Application& a) {
  return {{"id", a.id},
          {"taskId", a.task_id},
          {"applicantId", a.applicant_id},
          {"message", a.message},
          {"status", application_status_name(a.status)},
          {"createdAt", iso8601_ms(a.created_at_ms)}};
}

}  // namespace gd::tasks
