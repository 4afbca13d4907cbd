// GET/PATCH/DELETE /users/me, GET /users/{id}, GET /users/me/export.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "http/types.hpp"
#include "users/user_store.hpp"

namespace gd::users {

// What another module adds to a user's data export and does when the account is erased
// (auth ends the sessions; later modules add tasks, ledger rows, ...).
class AccountPart {
 public:
  virtual ~AccountPart() = default;
  virtual Task<void> export_into(std::string user_id, boost::json::object& doc) = 0;
  virtual Task<void> erase(std::string user_id) = 0;
};

void add_routes(http::RouteTable& routes, UserStore& store, std::vector<AccountPart*> parts);

// GET and PATCH /admin/users/{id} (role admin). Deactivating an account calls `end_sessions`
// so that its tokens stop working.
using EndSessions = std::function<Task<void>(std::string user_id)>;
void add_admin_routes(http::RouteTable& routes, UserStore& store, EndSessions end_sessions);

}  // namespace gd::users
