// GET/PATCH/DELETE /users/me, GET /users/{id}, GET /users/me/export.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "http/types.hpp"
#include "users/account_part.hpp"
#include "users/user_store.hpp"

namespace gd::users {

// PATCH /users/me with {email, currentPassword} (and nothing else): the email change, which
// lives above this module (auth checks the password, mail sends the links) and is handed in
// by the composition root. Ok means accepted: 202.
struct EmailChangeRequest {
  std::string email, current_password;
};
using EmailChange = std::function<Task<Status>(http::Principal who, EmailChangeRequest change)>;

void add_routes(http::RouteTable& routes, UserStore& store, std::vector<AccountPart*> parts,
                EmailChange email_change = {});
// The body of an email change, decoded and validated (shape only: the address rules are the
// registration's, applied by the EmailChange).
Result<EmailChangeRequest> parse_email_change(const boost::json::object& o);
// The body of PATCH /users/me, decoded and validated (also the fuzz target's entry point).
Result<ProfileUpdate> parse_update(const std::string& body);

// The body of PATCH /admin/users/{id}: {isActive}.
Result<bool> read_admin_patch(const boost::json::object& o);

// GET and PATCH /admin/users/{id} (role admin). Deactivating an account calls `end_sessions`
// so that its tokens stop working.
using EndSessions = std::function<Task<void>(std::string user_id)>;
void add_admin_routes(http::RouteTable& routes, UserStore& store, EndSessions end_sessions);

}  // namespace gd::users
