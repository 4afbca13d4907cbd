// The rules of authentication. Storage is in SessionStore/UserStore; HTTP in auth_routes.cpp.
#include "auth/auth_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/secret.hpp"

namespace gd::auth {
namespace {

Error invalid_credentials() {
  return make_error(ErrorCode::kInvalidCredentials, "The email or password is incorrect.");
}

Error rate_limited(int seconds) {
  Error e = make_error(ErrorCode::kRateLimited, "Too many attempts; try again later.");
  e.retry_after_s = seconds;
  return e;
}

}  // namespace

std::string new_refresh_token() {
  return random_token();
}

std::string token_hash(std::string_view token) {
  return sha256_hex(token);
}

AuthService::AuthService(users::UserStore& users, SessionStore& sessions, PasswordHasher& hasher,
                         TokenSigner& signer, AuthOptions options)
    : users_(users),
      sessions_(sessions),
      hasher_(hasher),
      signer_(signer),
      options_(options),
      per_ip_(options.per_ip),
      per_email_ip_(options.per_email_ip),
      per_email_(options.per_email) {}

std::string AuthService::normalize_email(std::string_view email) {
  const auto b = email.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  email = email.substr(b, email.find_last_not_of(" \t\r\n") - b + 1);
  std::string out(email);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void AuthService::attach_metrics(Metrics& m) {
  counters_.registrations = &m.counter("gooddeeds_registrations_total", "Accounts created.");
  counters_.logins_ok = &m.counter("gooddeeds_logins_succeeded_total", "Successful sign-ins.");
  counters_.logins_failed = &m.counter("gooddeeds_logins_failed_total", "Failed sign-ins.");
  counters_.cache_hits = &m.counter("gooddeeds_session_cache_hits_total",
                                    "Access tokens accepted from the session cache.");
  counters_.cache_misses = &m.counter("gooddeeds_session_cache_misses_total",
                                      "Access tokens that needed a session lookup.");
}

namespace {

std::string email_ip_key(const std::string& email, const std::string& ip) {
  return email + " " + ip;  // an email has no space once normalised and checked
}

}  // namespace

Task<std::optional<Error>> AuthService::limited(std::string ip, std::string email) {
  const int wait = co_await RateLimiter::check_all(
      {{&per_ip_, ip}, {&per_email_ip_, email_ip_key(email, ip)}, {&per_email_, email}});
  if (wait > 0) co_return rate_limited(wait);
  co_return std::nullopt;
}

Task<void> AuthService::note_failure(std::string ip, std::string email) {
  co_await RateLimiter::consume_all(
      {{&per_ip_, ip}, {&per_email_ip_, email_ip_key(email, ip)}, {&per_email_, email}});
}

void AuthService::share_limits(SharedBuckets* shared) {
  per_ip_.share(shared, "ip");
  per_email_ip_.share(shared, "email-ip");
  per_email_.share(shared, "email");
}

Task<Result<SignIn>> AuthService::start_session(users::User user, std::string device) {
  const auto now = now_ms();
  Session s;
  s.id = uuid_v7();
  s.user_id = user.id;
  s.device = std::move(device);
  s.created_at_ms = now;
  s.last_used_at_ms = now;
  s.expires_at_ms = now + options_.refresh_ttl_s * 1000;
  auto refresh = new_refresh_token();
  co_await sessions_.create(s, token_hash(refresh));
  AccessClaims claims{user.id, s.id, user.roles, now / 1000, now / 1000 + options_.access_ttl_s};
  SignIn out{std::move(user), signer_.sign(claims), std::move(refresh), options_.access_ttl_s};
  co_return out;
}

Task<Result<SignIn>> AuthService::register_user(Credentials c, std::string name,
                                                std::string locale) {
  const auto email = normalize_email(c.email);
  if (auto e = co_await limited(c.ip, email)) co_return *e;
  co_await note_failure(c.ip, email);  // every registration attempt counts against both buckets
  auto hash = co_await hasher_.hash(std::move(c.password));
  if (!hash) co_return std::move(hash).error();
  users::NewUser nu;
  nu.email = email;
  nu.password_hash = std::move(hash.value());
  nu.name = std::move(name);
  nu.locale = std::move(locale);
  auto user = co_await users_.create(std::move(nu));
  if (!user) co_return std::move(user).error();
  bump(counters_.registrations);
  if (registered_) co_await registered_(user->id);
  co_return co_await start_session(std::move(user.value()), std::move(c.device));
}

Task<Result<SignIn>> AuthService::login(Credentials c) {
  const auto email = normalize_email(c.email);
  if (auto e = co_await limited(c.ip, email)) co_return *e;
  auto user = co_await users_.find_by_email(email);
  std::optional<std::string> hash;
  if (user && user->is_active) hash = user->password_hash;
  auto ok = co_await hasher_.verify(std::move(hash), std::move(c.password));
  if (!ok) co_return std::move(ok).error();
  if (!ok.value()) {
    co_await note_failure(c.ip, email);
    bump(counters_.logins_failed);
    co_return invalid_credentials();
  }
  bump(counters_.logins_ok);
  co_return co_await start_session(std::move(*user), std::move(c.device));
}

Task<Result<SignIn>> AuthService::sign_in_as(users::User user, std::string device) {
  GD_CHECK(user.is_active);
  bump(counters_.logins_ok);
  co_return co_await start_session(std::move(user), std::move(device));
}

Task<Result<SignIn>> AuthService::refresh(std::string refresh_token) {
  const auto now = now_ms();
  auto next = new_refresh_token();
  auto rot = co_await sessions_.rotate(token_hash(refresh_token), token_hash(next), now,
                                       options_.refresh_ttl_s * 1000);
  if (rot.kind == Rotation::Kind::kReused) {
    forget_sessions();
    co_await ended({rot.user_id, rot.session_id, std::nullopt});
    co_return make_error(ErrorCode::kRefreshTokenReused,
                         "This refresh token was already used; the session has been ended.");
  }
  if (rot.kind == Rotation::Kind::kInvalid)
    co_return make_error(ErrorCode::kRefreshTokenInvalid,
                         "The refresh token is invalid or expired.");
  auto user = co_await users_.find_by_id(rot.user_id);
  if (!user || !user->is_active)
    co_return make_error(ErrorCode::kRefreshTokenInvalid,
                         "The refresh token is invalid or expired.");
  AccessClaims claims{user->id, rot.session_id, user->roles, now / 1000,
                      now / 1000 + options_.access_ttl_s};
  SignIn out{std::move(*user), signer_.sign(claims), std::move(next), options_.access_ttl_s};
  co_return out;
}

Task<Status> AuthService::logout(http::Principal who, std::string refresh_token) {
  // Idempotent: a token that is unknown, already ended or someone else's ends nothing and
  // reveals nothing.
  if (auto sid =
          co_await sessions_.revoke_by_token(who.user(), token_hash(refresh_token), now_ms())) {
    forget_sessions();
    co_await ended({who.user_id, std::move(sid->value), std::nullopt});
  }
  co_return Ok{};
}

Task<void> AuthService::logout_all(std::string user_id) {
  co_await end_all_sessions(std::move(user_id), "logout_all");
}

Task<void> AuthService::end_all_sessions(std::string user_id, std::string reason) {
  co_await sessions_.revoke_all(UserId(user_id), std::nullopt, std::move(reason), now_ms());
  forget_sessions();
  co_await ended({std::move(user_id), std::nullopt, std::nullopt});
}

Task<Status> AuthService::check_current_password(http::Principal who, std::string current) {
  auto user = co_await users_.find_by_id(who.user_id);
  if (!user) co_return make_error(ErrorCode::kUnauthenticated, "The account no longer exists.");
  // Guessing the current password with a stolen access token is limited like logins are.
  const auto key = "user:" + who.user_id;
  if (const int wait = co_await per_email_ip_.check(key); wait > 0) co_return rate_limited(wait);
  auto ok = co_await hasher_.verify(user->password_hash, std::move(current));
  if (!ok) co_return std::move(ok).error();
  if (!ok.value()) {
    co_await per_email_ip_.consume(key);
    co_return make_error(ErrorCode::kCurrentPasswordWrong, "The current password is incorrect.");
  }
  co_return Ok{};
}

Task<Status> AuthService::change_password(http::Principal who, std::string current,
                                          std::string next) {
  if (auto st = co_await check_current_password(who, std::move(current)); !st) co_return st;
  auto hash = co_await hasher_.hash(std::move(next));
  if (!hash) co_return std::move(hash).error();
  co_await users_.set_password_hash(who.user_id, std::move(hash.value()));
  co_await sessions_.revoke_all(who.user(), SessionId(who.session_id), "password_change", now_ms());
  forget_sessions();
  co_await ended({who.user_id, std::nullopt, who.session_id});
  if (password_changed_) co_await password_changed_(who.user_id);
  co_return Ok{};
}

void AuthService::forget_sessions() {
  std::lock_guard lock(cache_mu_);
  active_sessions_.clear();
  ++cache_generation_;
}

Task<std::size_t> AuthService::end_expired_sessions() {
  const auto ended_now = co_await sessions_.end_expired(now_ms(), kExpireBatch);
  for (const auto& s : ended_now) co_await ended({s.user_id, s.id, std::nullopt});
  if (!ended_now.empty()) forget_sessions();
  co_return ended_now.size();
}

Task<void> AuthService::ended(SessionsEnded what) {
  if (shared_sessions_) co_await shared_sessions_->ended(what.user_id);
  if (!sessions_ended_) co_return;
  try {
    sessions_ended_(what);
  } catch (const std::exception& e) {
    spdlog::error("sessions of {} ended: a listener failed: {}", what.user_id, e.what());
  }
}

Task<Result<http::Principal>> AuthService::authenticate(std::string bearer_token,
                                                        bool current_roles) {
  const auto now = now_ms();
  auto claims = signer_.verify(bearer_token, now / 1000);
  if (!claims) co_return std::move(claims).error();
  http::Principal p{claims->subject, claims->session_id, claims->roles};
  const std::string cache_key = p.session_id + " " + p.user_id;
  std::uint64_t generation = 0;
  // With Redis: the user's revocation count now, read before the database (shared_sessions.hpp).
  std::optional<long long> revoked;
  if (shared_sessions_ && !current_roles) revoked = co_await shared_sessions_->count(p.user_id);
  {
    std::lock_guard lock(cache_mu_);
    auto it = active_sessions_.find(cache_key);
    if (!current_roles && it != active_sessions_.end() && it->second.until_ms > now &&
        (!revoked || *revoked == it->second.revoked)) {
      bump(counters_.cache_hits);
      co_return p;
    }
    generation = cache_generation_;
  }
  bump(counters_.cache_misses);
  if (!co_await sessions_.is_active(SessionId(p.session_id), p.user(), now))
    co_return make_error(ErrorCode::kTokenInvalid, "The session has ended.");
  if (current_roles) {
    auto user = co_await users_.find_by_id(p.user_id);
    if (!user || !user->is_active)
      co_return make_error(ErrorCode::kTokenInvalid, "The session has ended.");
    p.roles = std::move(user->roles);
  }
  std::lock_guard lock(cache_mu_);
  // A revocation that ran while we read may have ended this very session: don't cache then.
  if (generation != cache_generation_) co_return p;
  if (active_sessions_.size() > 100'000) active_sessions_.clear();
  active_sessions_[cache_key] = {now + options_.session_cache_ms, revoked.value_or(-1)};
  co_return p;
}

}  // namespace gd::auth
