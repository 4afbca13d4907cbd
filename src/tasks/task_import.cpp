// One line of a task export read into a HelpTask: the column names of the seed system and of
// our own REST shape mapped onto the REST fields, which read_task_fields then checks exactly
// as POST /tasks does.
#include "tasks/task_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <limits>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "tasks/geo.hpp"
#include "tasks/lifecycle.hpp"
#include "tasks/task_fields.hpp"

namespace gd::tasks {
namespace {

namespace bj = boost::json;

// The names a field goes by, ours first; a line may use any one of them.
constexpr std::initializer_list<std::string_view> kIdNames = {"id"};
constexpr std::initializer_list<std::string_view> kCreatorNames = {"creatorId", "creator_id",
                                                                   "user_id"};
constexpr std::initializer_list<std::string_view> kRewardNames = {"pointsReward", "points_reward",
                                                                  "reward", "points"};
constexpr std::initializer_list<std::string_view> kImageNames = {"imageUrls", "image_urls"};
constexpr std::initializer_list<std::string_view> kCreatedNames = {"createdAt", "created_at_ms",
                                                                   "created_at"};
constexpr std::initializer_list<std::string_view> kUpdatedNames = {"updatedAt", "updated_at_ms",
                                                                   "updated_at"};
constexpr std::initializer_list<std::string_view> kHelperNames = {"helperId", "helper_id"};
constexpr std::initializer_list<std::string_view> kCompletedNames = {"completedAt", "completed_at"};
constexpr std::initializer_list<std::string_view> kLatNames = {"lat", "latitude"};
constexpr std::initializer_list<std::string_view> kLngNames = {"lng", "lon", "longitude"};
// Read as they are: the REST names the field rules know.
constexpr std::initializer_list<std::string_view> kPlainNames = {
    "title", "description", "category", "location", "projectId", "status"};
// The seed's columns that carry nothing a task here has: its projects are not imported.
constexpr std::initializer_list<std::string_view> kIgnoredNames = {"project_id"};
// Seed flags, read below.
constexpr std::initializer_list<std::string_view> kFlagNames = {"is_completed", "is_deleted"};

bool among(std::initializer_list<std::string_view> names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

bool known_key(std::string_view key) {
  for (const auto& names : {kIdNames, kCreatorNames, kRewardNames, kImageNames, kCreatedNames,
                            kUpdatedNames, kHelperNames, kCompletedNames, kLatNames, kLngNames,
                            kPlainNames, kIgnoredNames, kFlagNames})
    if (among(names, key)) return true;
  return false;
}

// The first of `names` the line has with a non-null value.
const bj::value* pick(const bj::object& o, std::initializer_list<std::string_view> names,
                      std::string_view* which = nullptr) {
  for (auto n : names) {
    const auto* v = o.if_contains(n);
    if (v && !v->is_null()) {
      if (which) *which = n;
      return v;
    }
  }
  return nullptr;
}

// Milliseconds since the epoch from a number of milliseconds, an ISO-8601 UTC string, or a
// MySQL DATETIME ("2026-11-22 10:00:00[.fff]", UTC).
std::optional<std::int64_t> read_time(const bj::value& v) {
  if (v.is_int64()) return v.as_int64() >= 0 ? std::optional(v.as_int64()) : std::nullopt;
  if (v.is_uint64() &&
      v.as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v.as_uint64());
  if (!v.is_string()) return std::nullopt;
  std::string s(v.as_string());
  if (s.size() >= 19 && s[10] == ' ') s[10] = 'T';
  if (s.ends_with("+00:00")) s.replace(s.size() - 6, 6, "Z");
  if (!s.empty() && s.back() != 'Z') s.push_back('Z');
  return parse_iso8601_ms(s);
}

// A location as {lat, lng}, a GeoJSON Point, or WKT "POINT(lng lat)"; the REST object
// otherwise (so the field rule reports what is wrong with it).
bj::value read_location(const bj::value& v) {
  if (const auto* o = v.if_object()) {
    const auto* type = o->if_contains("type");
    const auto* c = o->if_contains("coordinates");
    if (type && type->is_string() && type->as_string() == "Point" && c && c->is_array() &&
        c->as_array().size() == 2)
      return bj::object{{"lat", c->as_array()[1]}, {"lng", c->as_array()[0]}};
    return v;
  }
  if (const auto* s = v.if_string()) {
    std::string_view w(*s);
    if (w.starts_with("SRID=")) w.remove_prefix(std::min(w.size(), w.find(';') + 1));
    if (w.starts_with("POINT(") && w.ends_with(")")) {
      w = w.substr(6, w.size() - 7);
      double lng = 0, lat = 0;
      const char* end = w.data() + w.size();
      auto [p1, e1] = std::from_chars(w.data(), end, lng);
      if (e1 == std::errc() && p1 < end && *p1 == ' ') {
        auto [p2, e2] = std::from_chars(p1 + 1, end, lat);
        if (e2 == std::errc() && p2 == end) return bj::object{{"lat", lat}, {"lng", lng}};
      }
    }
  }
  return v;  // not a point: the rule says so
}

// The REST body of POST /tasks that the line describes.
bj::object rest_fields(const bj::object& o, std::vector<FieldError>& errors) {
  bj::object rest;
  for (auto name : {"title", "description", "category", "projectId"})
    if (const auto* v = o.if_contains(name);
        v && !(v->is_null() && std::string_view(name) != "title"))
      rest[name] = *v;
  if (const auto* v = pick(o, kRewardNames)) rest["pointsReward"] = *v;
  if (const auto* v = pick(o, kImageNames)) rest["imageUrls"] = *v;
  if (const auto* v = o.if_contains("location"); v && !v->is_null()) {
    rest["location"] = read_location(*v);
  } else if (const auto* lat = pick(o, kLatNames)) {
    const auto* lng = pick(o, kLngNames);
    if (lng)
      rest["location"] = bj::object{{"lat", *lat}, {"lng", *lng}};
    else
      errors.push_back({"location", "a latitude needs its longitude"});
  }
  return rest;
}

// Status, helper and completion time: only tasks that are open or cancelled come in, since a
// helper, a completion and its reward come about through the lifecycle.
std::optional<Status> read_status(const bj::object& o, std::vector<FieldError>& errors) {
  Status status = Status::kOpen;
  if (const auto* v = o.if_contains("status"); v && !v->is_null()) {
    const auto parsed = v->is_string() ? parse_status(v->as_string()) : std::nullopt;
    if (!parsed) {
      errors.push_back({"status",
                        "must be one of open, assigned, in_progress, "
                        "pending_confirmation, completed, cancelled"});
      return std::nullopt;
    }
    status = *parsed;
  }
  if (const auto* v = o.if_contains("is_completed"); v && v->is_bool() && v->as_bool())
    status = Status::kCompleted;
  const bool helper = pick(o, kHelperNames) != nullptr;
  const bool completed = pick(o, kCompletedNames) != nullptr;
  if (!legal_state(status, helper, completed)) {
    errors.push_back(
        {"status", fmt::format("{} with{} helper and with{} completion time is not a "
                               "state a task can be in",
                               status_name(status), helper ? "" : "out", completed ? "" : "out")});
    return std::nullopt;
  }
  if (status != Status::kOpen && status != Status::kCancelled) {
    errors.push_back({"status", fmt::format("{}: only open and cancelled tasks can be imported "
                                            "(a helper and a reward come through the lifecycle)",
                                            status_name(status))});
    return std::nullopt;
  }
  return status;
}

// Id (kept when it is a UUID, else a new one), creator, times.
void read_identity(const bj::object& o, ImportRow& row, std::int64_t now,
                   std::vector<FieldError>& errors) {
  if (const auto* v = pick(o, kIdNames)) {
    std::string id = v->is_string() ? std::string(v->as_string()) : bj::serialize(*v);
    std::string lower = id;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (is_uuid(lower)) {
      row.task.id = std::move(lower);
    } else {
      row.task.id = uuid_v7();
      row.source_id = std::move(id);
    }
  } else {
    row.task.id = uuid_v7();
  }
  std::string_view creator_key = "creatorId";
  const auto* creator = pick(o, kCreatorNames, &creator_key);
  if (!creator || !creator->is_string() || !is_uuid(std::string_view(creator->as_string())))
    errors.push_back(
        {std::string(creator_key), creator ? "must be a user id (a UUID)" : "is required"});
  else
    row.task.creator_id = std::string(creator->as_string());
  std::string_view created_key = "createdAt", updated_key = "updatedAt";
  const auto* created = pick(o, kCreatedNames, &created_key);
  const auto* updated = pick(o, kUpdatedNames, &updated_key);
  const auto created_ms = created ? read_time(*created) : std::optional(now);
  const auto updated_ms = updated ? read_time(*updated) : created_ms;
  constexpr const char* kTimeRule = "must be milliseconds since the epoch or an ISO-8601 UTC time";
  if (!created_ms) errors.push_back({std::string(created_key), kTimeRule});
  if (!updated_ms) errors.push_back({std::string(updated_key), kTimeRule});
  if (created_ms && updated_ms && *updated_ms < *created_ms)
    errors.push_back({std::string(updated_key), "is before the creation time"});
  row.task.created_at_ms = created_ms.value_or(0);
  row.task.updated_at_ms = updated_ms.value_or(0);
}

}  // namespace

ImportLine read_import_line(std::string_view text, std::int64_t line, std::int64_t max_reward,
                            std::int64_t now) {
  auto parsed = json::parse_object(text);
  if (!parsed) return {.refused = std::move(parsed).error()};
  const bj::object& o = *parsed;
  if (const auto* v = o.if_contains("is_deleted"); v && v->is_bool() && v->as_bool())
    return {.skipped = "deleted in the source"};
  std::vector<FieldError> errors;
  for (const auto& [key, value] : o)
    if (!known_key(key)) errors.push_back({std::string(key), "is not a field of a task"});
  ImportRow row;
  row.line = line;
  read_identity(o, row, now, errors);
  const auto status = read_status(o, errors);
  std::optional<std::string> project;
  auto fields = read_task_fields(rest_fields(o, errors), true, max_reward, &project);
  if (!fields) {
    Error e = std::move(fields).error();
    if (e.errors.empty()) errors.push_back({"", std::move(e.detail)});
    for (auto& f : e.errors) errors.push_back(std::move(f));
  }
  if (!errors.empty())
    return {.refused =
                Error{ErrorCode::kValidationFailed, "The task is invalid.", std::move(errors)}};
  HelpTask& t = row.task;
  t.project_id = std::move(project);
  t.title = std::move(*fields->title);
  t.description = fields->description.value_or("");
  t.category = std::move(*fields->category);
  t.location = *fields->location;
  t.grid = snap_to_grid(t.location);
  t.points_reward = *fields->points_reward;
  t.image_urls = fields->image_urls.value_or(std::vector<std::string>{});
  t.status = *status;
  return {.row = std::move(row)};
}

}  // namespace gd::tasks
