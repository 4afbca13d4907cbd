// The rules of mail about accounts (docs/auth.md, "Email verification and password reset"):
// what is queued when, how a queued request becomes a message (a token is created only then,
// and only when there is someone to send it to), and what a link's token does when used.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "mail/mail_store.hpp"
#include "mail/mailer.hpp"
#include "users/user_store.hpp"

namespace gd::mail {

struct LinkOptions {
  // Links are <public_url>/verify-email#token=… (the configuration's default:
  // http://localhost:<port>).
  std::string public_url;
  std::int64_t verify_ttl_s = 24 * 3600;
  std::int64_t reset_ttl_s = 30 * 60;
};

class AccountMail {
 public:
  AccountMail(MailStore& store, users::UserStore& users, LinkOptions options);
  // Called after a request is committed (the worker looks at once instead of at its next poll).
  void on_queued(std::function<void()> f) { queued_ = std::move(f); }

  // One request, in its own transaction.
  Task<void> request(Request r);
  // The new address gets a verification link, the old one a notice: both or neither.
  Task<void> request_email_change(std::string user_id, std::string new_email);

  // POST /auth/verify-email: VERIFY_TOKEN_INVALID, or EMAIL_TAKEN when the new address of a
  // change went to another account meanwhile.
  Task<Status> verify_email(std::string token);
  // Whether a reset token would be accepted now (used before the slow password hash).
  Task<bool> reset_token_valid(std::string token);
  // Uses the reset token; the user's id, or RESET_TOKEN_INVALID.
  Task<Result<std::string>> use_reset_token(std::string token);

  // The message a claimed row asks for (stored back into the row, with its token), or
  // nullopt when there is nothing to send (no such account, the address already verified or
  // taken, an erased user).
  Task<std::optional<Message>> compose(OutboxRow row);

 private:
  Task<std::optional<Message>> compose_for_user(OutboxRow row, const users::User& user);
  std::string link(std::string_view page, std::string_view token) const;

  MailStore& store_;
  users::UserStore& users_;
  LinkOptions options_;
  std::function<void()> queued_;
};

}  // namespace gd::mail
