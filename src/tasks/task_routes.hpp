// The /tasks routes and GET /users/me/tasks.
#pragma once
#include "core/page.hpp"
#include "http/idempotency.hpp"
#include "http/types.hpp"
#include "tasks/task_service.hpp"
#include "users/account_part.hpp"

namespace gd::tasks {
// confirm is money-like: it honours Idempotency-Key through `keys`.
void add_routes(http::RouteTable& routes, TaskService& service, IdempotencyStore& keys,
                const CursorCodec& cursors);
// POST /admin/tasks/{id}/deactivate (role admin).
void add_admin_routes(http::RouteTable& routes, TaskService& service);

// A user's tasks and applications in their data export; erasure per TaskStore::erase_user.
class TasksPart final : public users::AccountPart {
 public:
  explicit TasksPart(TaskStore& store) : store_(store) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string user_id) override { return store_.erase_user(std::move(user_id)); }

 private:
  TaskStore& store_;
};
}  // namespace gd::tasks
