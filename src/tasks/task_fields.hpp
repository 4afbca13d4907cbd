// The editable fields of a task and their rules, checked in one place for POST /tasks,
// PATCH /tasks/{id} and offline sync's push; and the REST shape (camelCase: title,
// description, category, location, pointsReward, imageUrls, and projectId when `project` is
// given) read into them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "core/json.hpp"
#include "core/result.hpp"
#include "tasks/task_store.hpp"

namespace gd::tasks {

inline constexpr json::StringRule kTitleRule{1, 120, true};
inline constexpr json::StringRule kDescriptionRule{0, 2000, true, TextKind::kMultiline};
inline constexpr std::size_t kMaxImages = 10;

// Checks (and trims) the fields present; `creating` makes title, category, location and
// pointsReward required. VALIDATION_FAILED names every field that breaks a rule.
gd::Status check_task_fields(TaskPatch& p, bool creating, std::int64_t max_reward);
// The fields of `pushed` that differ from `current` (an edit that changes nothing is none).
TaskPatch changed_fields(const TaskPatch& pushed, const HelpTask& current);

// The REST shape: types read here, rules checked by check_task_fields.
Result<TaskPatch> read_task_fields(const boost::json::object& o, bool creating,
                                   std::int64_t max_reward, std::optional<std::string>* project);

// POST /tasks/{id}/applications {message?}: the message, "" when absent.
Result<std::string> read_application(const boost::json::object& o);
// POST /tasks/{id}/reject {reason}: the creator's reason.
Result<std::string> read_rejection(const boost::json::object& o);

}  // namespace gd::tasks
