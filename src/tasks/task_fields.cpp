// Task field rules (one place for REST and sync) and the REST shape read into them.
#include "tasks/task_fields.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/ids.hpp"

namespace gd::tasks {

namespace {

bool valid_image_url(std::string_view u) {
  return u.size() <= 2048 &&
         (u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0 || u.rfind("/media/", 0) == 0);
}

constexpr const char* kImageUrlsRule =
    "must be an array of at most 10 http(s) URLs or /media/ paths";

// Reads imageUrls into `out`; records a field error on `in` when it is not a list of strings.
void read_image_urls(const boost::json::object& o, json::Reader& in,
                     std::optional<std::vector<std::string>>& out) {
  const auto* v = o.if_contains("imageUrls");
  if (!v) return;
  const auto* arr = v->if_array();
  if (!arr) return in.fail("imageUrls", kImageUrlsRule);
  std::vector<std::string> urls;
  for (const auto& e : *arr) {
    if (!e.is_string()) return in.fail("imageUrls", kImageUrlsRule);
    urls.emplace_back(e.as_string());
  }
  out = std::move(urls);
}

// A string field's value without its rule (check_task_fields applies the rule).
std::optional<std::string> raw_string(const boost::json::object& o, json::Reader& in,
                                      std::string_view field) {
  const auto* v = o.if_contains(field);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    in.fail(std::string(field), "must be a string");
    return std::nullopt;
  }
  return std::string(v->as_string());
}

}  // namespace

gd::Status check_task_fields(TaskPatch& p, bool creating, std::int64_t max_reward) {
  std::vector<FieldError> errors;
  const auto text = [&](const char* field, std::optional<std::string>& value,
                        json::StringRule rule) {
    if (!value) {
      if (creating && rule.min_chars > 0) errors.push_back({field, "is required"});
      return;
    }
    if (auto problem = json::check_text(*value, rule)) errors.push_back({field, *problem});
  };
  text("title", p.title, kTitleRule);
  text("description", p.description, kDescriptionRule);
  if (p.category && !valid_category(*p.category)) {
    errors.push_back({"category",
                      "must be one of shopping, transport, garden, repairs, tech_help, pets, "
                      "company, other"});
  } else if (!p.category && creating) {
    errors.push_back({"category", "is required"});
  }
  if (p.location && !valid_point(p.location->lat, p.location->lng))
    errors.push_back({"location", "lat must be in [-90, 90] and lng in [-180, 180]"});
  else if (!p.location && creating)
    errors.push_back({"location", "is required"});
  if (p.points_reward && (*p.points_reward < 1 || *p.points_reward > max_reward))
    errors.push_back({"pointsReward", fmt::format("must be between 1 and {}", max_reward)});
  else if (!p.points_reward && creating)
    errors.push_back({"pointsReward", "is required"});
  if (p.image_urls) {
    bool ok = p.image_urls->size() <= kMaxImages;
    for (const auto& u : *p.image_urls) ok = ok && valid_image_url(u);
    if (!ok) errors.push_back({"imageUrls", kImageUrlsRule});
  }
  if (errors.empty()) return Ok{};
  return Error{ErrorCode::kValidationFailed, "The request is invalid.", std::move(errors)};
}

TaskPatch changed_fields(const TaskPatch& pushed, const HelpTask& current) {
  TaskPatch out;
  if (pushed.title && *pushed.title != current.title) out.title = pushed.title;
  if (pushed.description && *pushed.description != current.description)
    out.description = pushed.description;
  if (pushed.category && *pushed.category != current.category) out.category = pushed.category;
  if (pushed.location && (pushed.location->lat != current.location.lat ||
                          pushed.location->lng != current.location.lng))
    out.location = pushed.location;
  if (pushed.points_reward && *pushed.points_reward != current.points_reward)
    out.points_reward = pushed.points_reward;
  if (pushed.image_urls && *pushed.image_urls != current.image_urls)
    out.image_urls = pushed.image_urls;
  return out;
}

Result<TaskPatch> read_task_fields(const boost::json::object& o, bool creating,
                                   std::int64_t max_reward, std::optional<std::string>* project) {
  json::Reader in(o);
  TaskPatch p;
  p.title = raw_string(o, in, "title");
  p.description = raw_string(o, in, "description");
  p.category = raw_string(o, in, "category");
  auto loc = in.optional_point("location");
  if (loc && *loc) p.location = **loc;
  if (loc && !*loc) in.fail("location", "is required");
  p.points_reward = in.optional_int("pointsReward", std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::int64_t>::max());
  read_image_urls(o, in, p.image_urls);
  for (const auto& [key, value] : o) {
    if (key == "projectId" && project) {
      if (value.is_null()) continue;
      if (!value.is_string() || !is_uuid(value.as_string()))
        in.fail("projectId", "must be a UUID or null");
      else
        *project = std::string(value.as_string());
    } else if (key != "title" && key != "description" && key != "category" && key != "location" &&
               key != "pointsReward" && key != "imageUrls") {
      in.fail(std::string(key), "is not a field of a task");
    }
  }
  if (auto st = in.finish(); !st) return st.error();
  if (auto checked = check_task_fields(p, creating, max_reward); !checked) return checked.error();
  return p;
}

Result<std::string> read_application(const boost::json::object& o) {
  json::Reader in(o);
  auto message = in.optional_string("message", {0, 1000, true, TextKind::kMultiline});
  if (auto st = in.finish(); !st) return std::move(st).error();
  return message.value_or("");
}

Result<std::string> read_rejection(const boost::json::object& o) {
  json::Reader in(o);
  auto reason = in.required_string("reason", {1, 1000, true, TextKind::kMultiline});
  if (auto st = in.finish(); !st) return std::move(st).error();
  return std::move(*reason);
}

}  // namespace gd::tasks
