// The /auth routes and POST /users/me/password.
#pragma once
#include "auth/auth_service.hpp"
#include "http/types.hpp"

namespace gd::auth {
void add_routes(http::RouteTable& routes, AuthService& service);
// {user, accessToken, refreshToken, accessTokenExpiresIn}
std::string sign_in_json(const SignIn& s);
}  // namespace gd::auth
