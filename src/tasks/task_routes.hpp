// The /tasks routes and GET /users/me/tasks.
#pragma once
#include "http/types.hpp"
#include "tasks/task_service.hpp"

namespace gd::tasks {
void add_routes(http::RouteTable& routes, TaskService& service);
}  // namespace gd::tasks
