// HelpTask statuses, categories and JSON forms.
#include "tasks/task.hpp"

#include <cmath>

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/json_writer.hpp"
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

// The same members in the same order as task_json: tests/unit/tasks_json_test.cpp holds the
// two to one output.
void write_task_json(std::string& out, const HelpTask& t, std::string_view viewer,
                     std::optional<double> distance_m) {
  const GeoPoint shown = t.sees_true_location(viewer) ? t.location : t.grid;
  // Each member's key with its separator, then its value.
  const auto text = [&out](std::string_view key, std::string_view value) {
    out.append(key);
    json::write_string(out, value);
  };
  const auto text_or_null = [&out](std::string_view key, const std::optional<std::string>& v) {
    out.append(key);
    json::write_string_or_null(out, v);
  };
  const auto time = [&out](std::string_view key, std::int64_t ms) {
    out.append(key);
    out.push_back('"');
    append_iso8601_ms(out, ms);
    out.push_back('"');
  };
  text(R"({"id":)", t.id);
  text(R"(,"creatorId":)", t.creator_id);
  text_or_null(R"(,"helperId":)", t.helper_id);
  text_or_null(R"(,"projectId":)", t.project_id);
  text(R"(,"title":)", t.title);
  text(R"(,"description":)", t.description);
  text(R"(,"category":)", t.category);
  out.append(R"(,"location":{"lat":)");
  json::write_double(out, shown.lat);
  out.append(R"(,"lng":)");
  json::write_double(out, shown.lng);
  out.append(R"(},"pointsReward":)");
  json::write_int(out, t.points_reward);
  text(R"(,"status":)", status_name(t.status));
  out.append(R"(,"imageUrls":[)");
  for (std::size_t i = 0; i < t.image_urls.size(); ++i) {
    if (i) out.push_back(',');
    json::write_string(out, t.image_urls[i]);
  }
  out.push_back(']');
  time(R"(,"createdAt":)", t.created_at_ms);
  time(R"(,"updatedAt":)", t.updated_at_ms);
  if (t.completed_at_ms)
    time(R"(,"completedAt":)", *t.completed_at_ms);
  else
    out.append(R"(,"completedAt":null)");
  if (distance_m) {
    out.append(R"(,"distanceMeters":)");
    json::write_double(out, std::round(*distance_m * 10.0) / 10.0);
  }
  out.push_back('}');
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
