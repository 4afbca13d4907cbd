// Thin handlers: decode and validate the body, call OAuthService, encode the result.
#include "oauth/oauth_routes.hpp"

#include <boost/json/serialize.hpp>

#include "auth/auth_routes.hpp"
#include "core/json.hpp"
#include "users/user.hpp"

namespace gd::oauth {
namespace {

using http::Request;
using http::Response;

constexpr json::StringRule kIdToken{1, 16'384, false, TextKind::kOpaque};
constexpr json::StringRule kCode{1, 2'048, false, TextKind::kOpaque};
constexpr json::StringRule kRedirectUri{1, 2'048, false, TextKind::kLine};
// RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~].
constexpr json::StringRule kCodeVerifier{43, 128, false, TextKind::kOpaque};
constexpr json::StringRule kNonce{1, 512, false, TextKind::kOpaque};
constexpr json::StringRule kName{1, 100, true};

bool pkce_chars(std::string_view v) {
  for (unsigned char c : v)
    if (!std::isalnum(c) && c != '-' && c != '.' && c != '_' && c != '~') return false;
  return true;
}

Task<Response> handle_sign_in(OAuthService* svc, Provider p, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto in = read_sign_in(*body, p);
  if (!in) co_return fail(req, in.error());
  in->device = std::string(req.header("user-agent").value_or("").substr(0, 200));
  in->ip = req.remote_ip;
  in->locale = users::locale_from_accept_language(req.header("accept-language").value_or(""));
  auto r = co_await svc->sign_in(p, std::move(*in));
  if (!r) co_return fail(req, r.error());
  auto doc = auth::sign_in_object(r->session);
  doc["isNewUser"] = r->is_new_user;
  co_return Response::json(200, boost::json::serialize(doc));
}

}  // namespace

Result<SignInRequest> read_sign_in(const boost::json::object& o, Provider p) {
  json::Reader in(o);
  SignInRequest r;
  r.id_token = in.optional_string("idToken", kIdToken);
  r.code = in.optional_string("code", kCode);
  r.redirect_uri = in.optional_string("redirectUri", kRedirectUri);
  r.code_verifier = in.optional_string("codeVerifier", kCodeVerifier);
  r.nonce = in.optional_string("nonce", kNonce);
  if (p == Provider::kApple)
    r.name = in.optional_string("name", kName);
  else if (in.has("name"))
    in.fail("name", "is sent only to Apple's sign-in");
  if (!in.has("idToken") && !in.has("code")) in.fail("idToken", "idToken or code is required");
  if (in.has("idToken") && in.has("code")) in.fail("code", "send either idToken or code");
  if (in.has("code") && !in.has("redirectUri")) in.fail("redirectUri", "is required with code");
  if (in.has("idToken") && (in.has("redirectUri") || in.has("codeVerifier")))
    in.fail("idToken", "redirectUri and codeVerifier go only with code");
  if (r.code_verifier && !pkce_chars(*r.code_verifier))
    in.fail("codeVerifier", "may hold only letters, digits and -._~");
  if (auto st = in.finish(); !st) return std::move(st).error();
  return r;
}

void add_routes(http::RouteTable& routes, OAuthService& service) {
  OAuthService* svc = &service;
  const http::RouteOptions open_json{
      .auth = http::Auth::kNone, .json_body = true, .no_store = true};
  routes.add("POST", "/api/v1/auth/oauth/google", open_json,
             [svc](Request r) { return handle_sign_in(svc, Provider::kGoogle, std::move(r)); });
  routes.add("POST", "/api/v1/auth/oauth/apple", open_json,
             [svc](Request r) { return handle_sign_in(svc, Provider::kApple, std::move(r)); });
}

}  // namespace gd::oauth
