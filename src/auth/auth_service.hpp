// Sign-up, sign-in, token refresh with rotation and reuse detection, sign-out, password
// change, and verification of access tokens for the HTTP layer.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "auth/rate_limit.hpp"
#include "auth/session_store.hpp"
#include "auth/shared_sessions.hpp"
#include "core/metrics.hpp"
#include "http/types.hpp"
#include "users/user_store.hpp"

namespace gd::auth {

struct AuthOptions {
  std::int64_t access_ttl_s = 15 * 60;
  std::int64_t refresh_ttl_s = 7 * 24 * 3600;
  std::int64_t session_cache_ms = 2000;  // how long another process's revocation may lag
  // Failed logins and registrations count against three buckets (docs/auth.md): the client
  // IP's, the pair (email, IP)'s, which stops one client guessing one account's password, and
  // the email's, a larger ceiling for guesses from everywhere, which a single stranger cannot
  // drain: the owner, on another IP, still gets in.
  BucketOptions per_ip{600, 1};
  BucketOptions per_email_ip{10, 1.0 / 60};
  BucketOptions per_email{100, 2.0 / 60};
};

struct SignIn {
  users::User user;
  std::string access_token;
  std::string refresh_token;
  std::int64_t access_expires_in_s = 0;
};

// Sessions that just ended in this process: one (session_id), or all of a user's
// (session_id empty) but `except_session_id`.
struct SessionsEnded {
  std::string user_id;
  std::optional<std::string> session_id;
  std::optional<std::string> except_session_id;
};

struct Credentials {
  std::string email;  // as sent
  std::string password;
  std::string device;
  std::string ip;
};

class AuthService final : public http::Authenticator {
 public:
  AuthService(users::UserStore& users, SessionStore& sessions, PasswordHasher& hasher,
              TokenSigner& signer, AuthOptions options);

  // `locale`: the new account's language for notifications (de | en).
  Task<Result<SignIn>> register_user(Credentials c, std::string name, std::string locale = "en");
  Task<Result<SignIn>> login(Credentials c);
  Task<Result<SignIn>> refresh(std::string refresh_token);
  // A new session for a user whose identity another party proved (sign-in with a provider).
  Task<Result<SignIn>> sign_in_as(users::User user, std::string device);
  Task<Status> logout(http::Principal who, std::string refresh_token);
  Task<void> logout_all(std::string user_id);
  Task<Status> change_password(http::Principal who, std::string current, std::string next);
  Task<void> end_all_sessions(std::string user_id, std::string reason);
  // Sessions past their expiry are ended like revoked ones (their devices go, their live
  // sockets close), a batch at a time; returns how many. Run periodically by the server.
  static constexpr int kExpireBatch = 1000;
  Task<std::size_t> end_expired_sessions();

  // A token names its user (sub) and session (sid): the session must be that user's and
  // live. A live pair is cached for session_cache_ms, keyed by both, so a token that pairs
  // someone's sub with another live sid is never taken from the cache.
  Task<Result<http::Principal>> authenticate(std::string bearer_token, bool current_roles) override;

  // Told of every revocation (logout, logout-all, refresh-token reuse, password change,
  // deactivation, erasure) after it is stored; set at start-up. Live sockets close on it.
  void on_sessions_ended(std::function<void(const SessionsEnded&)> f) {
    sessions_ended_ = std::move(f);
  }

  static std::string normalize_email(std::string_view email);
  void attach_metrics(Metrics& metrics);
  // The sign-in budgets become the whole service's (--redis-url).
  void share_limits(SharedBuckets* shared);
  // Sessions ended in another process (--redis-url): the cache forgets every pair at once.
  void sessions_ended_elsewhere() { forget_sessions(); }
  // Session ends are counted in Redis and a cached session is trusted only while its user's
  // count is unchanged (--redis-url; shared_sessions.hpp).
  void share_sessions(SharedSessions* shared) { shared_sessions_ = shared; }

  // Account mail (auth/email_flows.hpp) hooks in here; set at start-up.
  using UserHook = std::function<Task<void>(std::string user_id)>;
  void on_registered(UserHook f) { registered_ = std::move(f); }
  void on_password_changed(UserHook f) { password_changed_ = std::move(f); }
  // The current password of the caller, limited like logins are (a stolen access token
  // guessing it): CURRENT_PASSWORD_WRONG, RATE_LIMITED.
  Task<Status> check_current_password(http::Principal who, std::string current);

 private:
  Task<Result<SignIn>> start_session(users::User user, std::string device);
  Task<std::optional<Error>> limited(std::string ip, std::string email);
  Task<void> note_failure(std::string ip, std::string email);
  void forget_sessions();
  Task<void> ended(SessionsEnded what);

  users::UserStore& users_;
  SessionStore& sessions_;
  PasswordHasher& hasher_;
  TokenSigner& signer_;
  AuthOptions options_;
  RateLimiter per_ip_;
  RateLimiter per_email_ip_;  // also "user:<id>" for guesses at the current password
  RateLimiter per_email_;
  std::mutex cache_mu_;
  // "<sid> <sub>" -> valid until (ms), and the user's revocation count in Redis then (-1:
  // unknown, or no Redis)
  struct Cached {
    std::int64_t until_ms;
    long long revoked;
  };
  std::unordered_map<std::string, Cached> active_sessions_;
  SharedSessions* shared_sessions_ = nullptr;
  std::uint64_t cache_generation_ = 0;
  std::function<void(const SessionsEnded&)> sessions_ended_;
  UserHook registered_;
  UserHook password_changed_;
  struct Counters {
    std::atomic<std::uint64_t>* registrations = nullptr;
    std::atomic<std::uint64_t>* logins_ok = nullptr;
    std::atomic<std::uint64_t>* logins_failed = nullptr;
    std::atomic<std::uint64_t>* cache_hits = nullptr;
    std::atomic<std::uint64_t>* cache_misses = nullptr;
  } counters_;
  static void bump(std::atomic<std::uint64_t>* c) {
    if (c) c->fetch_add(1, std::memory_order_relaxed);
  }  // bumped by every revocation in this process
};

// 32 random bytes, base64url: the opaque refresh token handed to the client.
std::string new_refresh_token();
// Hex SHA-256: the only form in which refresh tokens are stored.
std::string token_hash(std::string_view token);

}  // namespace gd::auth
