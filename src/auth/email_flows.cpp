// The email flows' rules and their thin route handlers.
#include "auth/email_flows.hpp"

#include "auth/auth_routes.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "users/user.hpp"

namespace gd::auth {
namespace {

using http::Request;
using http::Response;

constexpr json::StringRule kToken{1, 512, false, TextKind::kOpaque};
constexpr json::StringRule kEmail{3, 254, true};
constexpr json::StringRule kPasswordShape{0, 4096, false, TextKind::kOpaque};

Error invalid_reset() {
  return make_error(ErrorCode::kResetTokenInvalid,
                    "The password reset link is invalid, already used or expired.");
}

Response accepted() {
  return Response::json(202, R"({"status":"accepted"})");
}

}  // namespace

EmailFlows::EmailFlows(AuthService& auth, users::UserStore& users, PasswordHasher& hasher,
                       mail::AccountMail& mail, EmailFlowOptions options)
    : auth_(auth),
      users_(users),
      hasher_(hasher),
      mail_(mail),
      reset_per_ip_(options.reset_per_ip),
      reset_per_email_(options.reset_per_email),
      mail_per_user_(options.mail_per_user) {}

void EmailFlows::attach() {
  mail::AccountMail* m = &mail_;
  auth_.on_registered([m](std::string user_id) {
    return m->request({mail::Kind::kVerify, std::move(user_id), std::nullopt, {}, {}});
  });
  auth_.on_password_changed([m](std::string user_id) {
    return m->request({mail::Kind::kPasswordChanged, std::move(user_id), std::nullopt, {}, {}});
  });
}

void EmailFlows::share_limits(SharedBuckets* shared) {
  reset_per_ip_.share(shared, "reset-ip");
  reset_per_email_.share(shared, "reset-email");
  mail_per_user_.share(shared, "mail-user");
}

Task<std::optional<Error>> EmailFlows::limited(RateLimiter& limiter, std::string key) {
  const int wait = co_await limiter.consume(std::move(key));
  if (wait <= 0) co_return std::nullopt;
  Error e = make_error(ErrorCode::kRateLimited, "Too many requests; try again later.");
  e.retry_after_s = wait;
  co_return e;
}

Task<Status> EmailFlows::verify_email(std::string token) {
  co_return co_await mail_.verify_email(std::move(token));
}

Task<Status> EmailFlows::resend_verification(http::Principal who) {
  if (auto e = co_await limited(mail_per_user_, who.user_id)) co_return *e;
  co_await mail_.request({mail::Kind::kVerify, who.user_id, std::nullopt, {}, {}});
  co_return Ok{};
}

Task<Status> EmailFlows::request_password_reset(std::string email, std::string ip,
                                                std::string locale) {
  const auto normalized = AuthService::normalize_email(email);
  if (!plausible_email(normalized))
    co_return validation_error("email", "is not a valid email address");
  // Both budgets must have a token; only then is one taken from each.
  const std::vector<RateLimiter::BucketRef> buckets{{&reset_per_ip_, ip},
                                                    {&reset_per_email_, normalized}};
  if (const int wait = co_await RateLimiter::check_all(buckets); wait > 0) {
    Error e = make_error(ErrorCode::kRateLimited, "Too many requests; try again later.");
    e.retry_after_s = wait;
    co_return e;
  }
  co_await RateLimiter::consume_all(buckets);
  co_await mail_.request(
      {mail::Kind::kPasswordReset, std::nullopt, normalized, {}, std::move(locale)});
  co_return Ok{};
}

Task<Status> EmailFlows::confirm_password_reset(std::string token, std::string new_password) {
  // Look before hashing, so that made-up tokens cost no Argon2id time.
  if (!co_await mail_.reset_token_valid(token)) co_return invalid_reset();
  auto hash = co_await hasher_.hash(std::move(new_password));
  if (!hash) co_return std::move(hash).error();
  // Used first, then the password set: a failure between leaves the old password and a used
  // link (the user asks for another), never a link that works twice.
  auto user_id = co_await mail_.use_reset_token(std::move(token));
  if (!user_id) co_return std::move(user_id).error();
  co_await users_.set_password_hash(*user_id, std::move(hash.value()));
  // The same path as logout everywhere: sessions, their push devices and live sockets end.
  co_await auth_.end_all_sessions(*user_id, "password_reset");
  co_await mail_.request({mail::Kind::kPasswordWasReset, *user_id, std::nullopt, {}, {}});
  co_return Ok{};
}

Task<Status> EmailFlows::change_email(http::Principal who, users::EmailChangeRequest change) {
  const auto email = AuthService::normalize_email(change.email);
  if (!plausible_email(email)) co_return validation_error("email", "is not a valid email address");
  if (auto st = co_await auth_.check_current_password(who, std::move(change.current_password)); !st)
    co_return st;
  if (auto e = co_await limited(mail_per_user_, who.user_id)) co_return *e;
  // Whether another account has the address is decided by the mail worker, which then sends
  // nothing there: the answer here is the same either way.
  co_await mail_.request_email_change(who.user_id, email);
  co_return Ok{};
}

namespace {

Task<Response> handle_verify(EmailFlows* flows, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  json::Reader in(*body);
  auto token = in.required_string("token", kToken);
  if (auto st = in.finish(); !st) co_return fail(req, st.error());
  auto r = co_await flows->verify_email(std::move(*token));
  if (!r) co_return fail(req, r.error());
  co_return Response::no_content();
}

Task<Response> handle_resend(EmailFlows* flows, Request req) {
  auto r = co_await flows->resend_verification(*req.principal);
  if (!r) co_return fail(req, r.error());
  co_return accepted();
}

Task<Response> handle_reset(EmailFlows* flows, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  json::Reader in(*body);
  auto email = in.required_string("email", kEmail);
  if (auto st = in.finish(); !st) co_return fail(req, st.error());
  auto r = co_await flows->request_password_reset(
      std::move(*email), req.remote_ip,
      users::locale_from_accept_language(req.header("accept-language").value_or("")));
  if (!r) co_return fail(req, r.error());
  co_return accepted();
}

Task<Response> handle_reset_confirm(EmailFlows* flows, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  json::Reader in(*body);
  auto token = in.required_string("token", kToken);
  auto password = in.required_string("newPassword", kPasswordShape);
  if (password)
    if (auto problem = password_problem(*password)) in.fail("newPassword", *problem);
  if (auto st = in.finish(); !st) co_return fail(req, st.error());
  auto r = co_await flows->confirm_password_reset(std::move(*token), std::move(*password));
  if (!r) co_return fail(req, r.error());
  co_return Response::no_content();
}

}  // namespace

void add_email_routes(http::RouteTable& routes, EmailFlows& flows) {
  using http::Auth;
  EmailFlows* f = &flows;
  const http::RouteOptions open_json{.auth = Auth::kNone, .json_body = true, .no_store = true};
  routes.add("POST", "/api/v1/auth/verify-email", open_json,
             [f](Request r) { return handle_verify(f, std::move(r)); });
  routes.add("POST", "/api/v1/auth/verify-email/resend", {Auth::kRequired, false},
             [f](Request r) { return handle_resend(f, std::move(r)); });
  routes.add("POST", "/api/v1/auth/password-reset", open_json,
             [f](Request r) { return handle_reset(f, std::move(r)); });
  routes.add("POST", "/api/v1/auth/password-reset/confirm", open_json,
             [f](Request r) { return handle_reset_confirm(f, std::move(r)); });
}

}  // namespace gd::auth
