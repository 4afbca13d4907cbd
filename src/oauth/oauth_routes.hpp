// POST /auth/oauth/google and /auth/oauth/apple.
#pragma once
#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "http/types.hpp"
#include "oauth/oauth_service.hpp"

namespace gd::oauth {

void add_routes(http::RouteTable& routes, OAuthService& service);

// The body: {idToken, nonce?} or {code, redirectUri, codeVerifier?, nonce?}; Apple's also
// takes name?. Exactly one of idToken and code.
Result<SignInRequest> read_sign_in(const boost::json::object& o, Provider p);

}  // namespace gd::oauth
