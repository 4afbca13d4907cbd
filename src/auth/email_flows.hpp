// Accounts by email (docs/auth.md, "Email verification and password reset"): the verification
// link on registration and on request, the email change, the password reset, and the notice
// of a password change. The mail itself (tokens, outbox, SMTP) is the mail module's; this
// adds what needs auth: rate limits, passwords, sessions.
#pragma once
#include <string>

#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/rate_limit.hpp"
#include "http/types.hpp"
#include "mail/account_mail.hpp"
#include "users/user_routes.hpp"
#include "users/user_store.hpp"

namespace gd::auth {

struct EmailFlowOptions {
  // Password reset requests: per client IP, and per address from everywhere (which bounds
  // how much mail a stranger can make one mailbox receive).
  BucketOptions reset_per_ip{20, 20.0 / 3600};
  BucketOptions reset_per_email{5, 5.0 / 3600};
  // Verification resends and email changes, per user.
  BucketOptions mail_per_user{5, 5.0 / 3600};
};

class EmailFlows {
 public:
  EmailFlows(AuthService& auth, users::UserStore& users, PasswordHasher& hasher,
             mail::AccountMail& mail, EmailFlowOptions options);
  // Hooks itself into `auth`: registration sends the verification link, a password change
  // is announced.
  void attach();

  Task<Status> verify_email(std::string token);
  Task<Status> resend_verification(http::Principal who);
  // Always the same answer and the same work whether an account has `email` or not: one
  // outbox row; the mail worker looks the account up.
  Task<Status> request_password_reset(std::string email, std::string ip, std::string locale);
  Task<Status> confirm_password_reset(std::string token, std::string new_password);
  // PATCH /users/me {email, currentPassword}.
  Task<Status> change_email(http::Principal who, users::EmailChangeRequest change);
  // --redis-url: these budgets become the whole service's.
  void share_limits(SharedBuckets* shared);

 private:
  Task<std::optional<Error>> limited(RateLimiter& limiter, std::string key);

  AuthService& auth_;
  users::UserStore& users_;
  PasswordHasher& hasher_;
  mail::AccountMail& mail_;
  RateLimiter reset_per_ip_;
  RateLimiter reset_per_email_;
  RateLimiter mail_per_user_;
};

// POST /auth/verify-email, /auth/verify-email/resend, /auth/password-reset,
// /auth/password-reset/confirm.
void add_email_routes(http::RouteTable& routes, EmailFlows& flows);

}  // namespace gd::auth
