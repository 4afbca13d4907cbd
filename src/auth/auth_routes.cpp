// Thin handlers: decode and validate the body, call AuthService, encode the result.
#include "auth/auth_routes.hpp"

#include <boost/json/serialize.hpp>

#include "core/json.hpp"
#include "users/user.hpp"

namespace gd::auth {
namespace {

using http::Request;
using http::Response;

constexpr json::StringRule kEmail{3, 254, true};
// Passwords and tokens are never shown, so they are taken as typed (only NUL is refused).
constexpr json::StringRule kPasswordShape{0, 4096, false,
                                          TextKind::kOpaque};  // see password_problem
constexpr json::StringRule kName{1, 100, true};
constexpr json::StringRule kToken{1, 512, false, TextKind::kOpaque};

Response signed_in(int status, const SignIn& s) {
  return Response::json(status, sign_in_json(s));
}

std::string device_of(const Request& req) {
  return std::string(req.header("user-agent").value_or("").substr(0, 200));
}

Task<Response> handle_register(AuthService* svc, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto in = read_registration(*body);
  if (!in) co_return fail(req, in.error());
  auto r = co_await svc->register_user(
      {std::move(in->email), std::move(in->password), device_of(req), req.remote_ip}, in->name,
      users::locale_from_accept_language(req.header("accept-language").value_or("")));
  if (!r) co_return fail(req, r.error());
  co_return signed_in(201, *r);
}

Task<Response> handle_login(AuthService* svc, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto in = read_login(*body);
  if (!in) co_return fail(req, in.error());
  in->device = device_of(req);
  in->ip = req.remote_ip;
  auto r = co_await svc->login(std::move(*in));
  if (!r) co_return fail(req, r.error());
  co_return signed_in(200, *r);
}

Task<Response> handle_refresh(AuthService* svc, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto token = read_refresh_token(*body);
  if (!token) co_return fail(req, token.error());
  auto r = co_await svc->refresh(*token);
  if (!r) co_return fail(req, r.error());
  co_return signed_in(200, *r);
}

Task<Response> handle_logout(AuthService* svc, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto token = read_refresh_token(*body);
  if (!token) co_return fail(req, token.error());
  auto r = co_await svc->logout(*req.principal, *token);
  if (!r) co_return fail(req, r.error());
  co_return Response::no_content();
}

Task<Response> handle_logout_all(AuthService* svc, Request req) {
  co_await svc->logout_all(req.principal->user_id);
  co_return Response::no_content();
}

Task<Response> handle_change_password(AuthService* svc, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto in = read_password_change(*body);
  if (!in) co_return fail(req, in.error());
  auto r = co_await svc->change_password(*req.principal, in->current, in->next);
  if (!r) co_return fail(req, r.error());
  co_return Response::no_content();
}

}  // namespace

bool plausible_email(std::string_view e) {
  const auto at = e.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < e.size() &&
         e.find('@', at + 1) == std::string_view::npos && e.find(' ') == std::string_view::npos &&
         e.find('.', at) != std::string_view::npos && e.back() != '.';
}

Result<Registration> read_registration(const boost::json::object& o) {
  json::Reader in(o);
  auto email = in.required_string("email", kEmail);
  auto password = in.required_string("password", kPasswordShape);
  auto name = in.required_string("name", kName);
  if (email && !plausible_email(*email)) in.fail("email", "is not a valid email address");
  if (password)
    if (auto problem = password_problem(*password)) in.fail("password", *problem);
  if (auto st = in.finish(); !st) return std::move(st).error();
  return Registration{std::move(*email), std::move(*password), std::move(*name)};
}

Result<Credentials> read_login(const boost::json::object& o) {
  json::Reader in(o);
  auto email = in.required_string("email", kEmail);
  auto password = in.required_string("password", kPasswordShape);
  if (auto st = in.finish(); !st) return std::move(st).error();
  return Credentials{std::move(*email), std::move(*password), {}, {}};
}

Result<std::string> read_refresh_token(const boost::json::object& o) {
  json::Reader in(o);
  auto token = in.required_string("refreshToken", kToken);
  if (auto st = in.finish(); !st) return std::move(st).error();
  return std::move(*token);
}

Result<PasswordChange> read_password_change(const boost::json::object& o) {
  json::Reader in(o);
  auto current = in.required_string("currentPassword", kPasswordShape);
  auto next = in.required_string("newPassword", kPasswordShape);
  if (next)
    if (auto problem = password_problem(*next)) in.fail("newPassword", *problem);
  if (auto st = in.finish(); !st) return std::move(st).error();
  return PasswordChange{std::move(*current), std::move(*next)};
}

boost::json::object sign_in_object(const SignIn& s) {
  return {{"user", users::own_profile_json(s.user)},
          {"accessToken", s.access_token},
          {"refreshToken", s.refresh_token},
          {"accessTokenExpiresIn", s.access_expires_in_s}};
}

std::string sign_in_json(const SignIn& s) {
  return boost::json::serialize(sign_in_object(s));
}

void add_routes(http::RouteTable& routes, AuthService& service) {
  using http::Auth;
  AuthService* svc = &service;
  const http::RouteOptions open_json{.auth = Auth::kNone, .json_body = true, .no_store = true};
  const http::RouteOptions authed_json{Auth::kRequired, true};
  routes.add("POST", "/api/v1/auth/register", open_json,
             [svc](Request r) { return handle_register(svc, std::move(r)); });
  routes.add("POST", "/api/v1/auth/login", open_json,
             [svc](Request r) { return handle_login(svc, std::move(r)); });
  routes.add("POST", "/api/v1/auth/refresh", open_json,
             [svc](Request r) { return handle_refresh(svc, std::move(r)); });
  routes.add("POST", "/api/v1/auth/logout", authed_json,
             [svc](Request r) { return handle_logout(svc, std::move(r)); });
  routes.add("POST", "/api/v1/auth/logout-all", {Auth::kRequired, false},
             [svc](Request r) { return handle_logout_all(svc, std::move(r)); });
  routes.add("POST", "/api/v1/users/me/password", authed_json,
             [svc](Request r) { return handle_change_password(svc, std::move(r)); });
}

}  // namespace gd::auth
