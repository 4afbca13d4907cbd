// The /auth routes and POST /users/me/password.
#pragma once
#include <string>

#include <boost/json/object.hpp>

#include "auth/auth_service.hpp"
#include "core/result.hpp"
#include "http/types.hpp"

namespace gd::auth {
void add_routes(http::RouteTable& routes, AuthService& service);

// The bodies of the /auth routes, decoded and validated (also the fuzz target's entry points).
struct Registration {
  std::string email, password, name;
};
Result<Registration> read_registration(const boost::json::object& o);
// POST /auth/login: email and password (the route adds device and IP).
Result<Credentials> read_login(const boost::json::object& o);
// POST /auth/refresh and /auth/logout: {refreshToken}.
Result<std::string> read_refresh_token(const boost::json::object& o);
struct PasswordChange {
  std::string current, next;
};
Result<PasswordChange> read_password_change(const boost::json::object& o);

// One @, something before it, a dot after it, no spaces: the shape every address must have.
bool plausible_email(std::string_view e);

// {user, accessToken, refreshToken, accessTokenExpiresIn}
boost::json::object sign_in_object(const SignIn& s);
std::string sign_in_json(const SignIn& s);
}  // namespace gd::auth
