// The editable fields of a task in their REST shape (camelCase: title, description,
// category, location, pointsReward, imageUrls, and projectId when `project` is given), read
// and validated once for POST /tasks, PATCH /tasks/{id} and offline sync's push.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "tasks/task_store.hpp"

namespace gd::tasks {

// `creating` makes title, category, location and pointsReward required.
Result<TaskPatch> read_task_fields(const boost::json::object& o, bool creating,
                                   std::int64_t max_reward, std::optional<std::string>* project);

}  // namespace gd::tasks
