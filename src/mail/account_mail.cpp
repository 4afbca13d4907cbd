// Queueing, composing and token use for verification, email change and password reset.
#include "mail/account_mail.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "mail/texts.hpp"

namespace gd::mail {
namespace {

Error verify_invalid() {
  return make_error(ErrorCode::kVerifyTokenInvalid,
                    "The verification link is invalid, already used or expired.");
}

Error reset_invalid() {
  return make_error(ErrorCode::kResetTokenInvalid,
                    "The password reset link is invalid, already used or expired.");
}

Message message_to(std::string to, Rendered r) {
  return Message{std::move(to), std::move(r.subject), std::move(r.text), std::move(r.html)};
}

}  // namespace

AccountMail::AccountMail(MailStore& store, users::UserStore& users, LinkOptions options)
    : store_(store), users_(users), options_(std::move(options)) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/')
    options_.public_url.pop_back();
}

std::string AccountMail::link(std::string_view page, std::string_view token) const {
  // The token travels in the fragment: browsers never send it to a server or put it in a
  // Referer; the web app reads it and posts it to the API.
  return options_.public_url + "/" + std::string(page) + "#token=" + std::string(token);
}

Task<void> AccountMail::request(Request r) {
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    const auto now = now_ms();
    // A reset link sent before a password change stops working with the old password.
    if (r.kind == Kind::kPasswordChanged && r.user_id)
      co_await MailStore::retire_tokens_in(tx, *r.user_id, Purpose::kPasswordReset, now);
    co_await MailStore::enqueue_in(tx, r, now);
    co_return true;
  };
  co_await store_.database().transact(body);
  if (queued_) queued_();
}

Task<void> AccountMail::request_email_change(std::string user_id, std::string new_email) {
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    const auto now = now_ms();
    co_await MailStore::enqueue_in(tx, {Kind::kEmailChange, user_id, std::nullopt, new_email, {}},
                                   now);
    co_await MailStore::enqueue_in(
        tx, {Kind::kEmailChangeNotice, user_id, std::nullopt, new_email, {}}, now);
    co_return true;
  };
  co_await store_.database().transact(body);
  if (queued_) queued_();
}

Task<Status> AccountMail::verify_email(std::string token) {
  const auto hash = link_token_hash(token);
  co_return co_await store_.database().transaction<Ok>([&](db::Tx& tx) -> Task<Status> {
    const auto now = now_ms();
    const auto use =
        co_await MailStore::use_token_in(tx, hash, {Purpose::kVerify, Purpose::kEmailChange}, now);
    if (!use) co_return verify_invalid();
    const bool change = use->purpose == Purpose::kEmailChange;
    switch (co_await users::UserStore::prove_email_in(tx, use->user_id, use->email, change, now)) {
      case users::EmailProof::kVerified:
        break;
      case users::EmailProof::kNoMatch:  // the account's address changed since the link went
        co_return verify_invalid();
      case users::EmailProof::kTaken:
        co_return make_error(ErrorCode::kEmailTaken,
                             "Another account uses this email address by now.");
    }
    if (change) {
      // Links sent to the old address stop working with it.
      co_await MailStore::retire_tokens_in(tx, use->user_id, Purpose::kVerify, now);
      co_await MailStore::retire_tokens_in(tx, use->user_id, Purpose::kPasswordReset, now);
    }
    co_return Ok{};
  });
}

Task<bool> AccountMail::reset_token_valid(std::string token) {
  co_return (
      co_await store_.peek_token(link_token_hash(token), {Purpose::kPasswordReset}, now_ms()))
      .has_value();
}

Task<Result<std::string>> AccountMail::use_reset_token(std::string token) {
  const auto hash = link_token_hash(token);
  co_return co_await store_.database().transaction<std::string>(
      [&](db::Tx& tx) -> Task<Result<std::string>> {
        const auto now = now_ms();
        const auto use = co_await MailStore::use_token_in(tx, hash, {Purpose::kPasswordReset}, now);
        if (!use) co_return reset_invalid();
        // The other reset links of the account stop working too.
        co_await MailStore::retire_tokens_in(tx, use->user_id, Purpose::kPasswordReset, now);
        co_return use->user_id;
      });
}

Task<std::optional<Message>> AccountMail::compose(OutboxRow row) {
  if (!row.kind) co_return std::nullopt;
  std::optional<users::User> user;
  if (row.request.kind == Kind::kPasswordReset)
    user = co_await users_.find_by_email(row.request.recipient.value_or(""));
  else if (row.request.user_id)
    user = co_await users_.find_by_id(*row.request.user_id);
  if (!user || !user->email || !user->is_active) co_return std::nullopt;
  co_return co_await compose_for_user(std::move(row), *user);
}

Task<std::optional<Message>> AccountMail::compose_for_user(OutboxRow row, const users::User& user) {
  const auto now = now_ms();
  Vars vars{{"name", user.name},
            {"hours", std::to_string(std::max<std::int64_t>(1, options_.verify_ttl_s / 3600))},
            {"minutes", std::to_string(std::max<std::int64_t>(1, options_.reset_ttl_s / 60))},
            {"newEmail", row.request.email}};
  std::optional<MailStore::NewToken> token;
  std::string to = *user.email;
  std::string_view name;
  std::string url;
  const auto with_token = [&](Purpose p, std::string email, std::int64_t ttl_s, auto page) {
    const auto t = new_link_token();
    token =
        MailStore::NewToken{link_token_hash(t), user.id, std::move(email), p, now + ttl_s * 1000};
    url = link(page, t);
  };
  switch (row.request.kind) {
    case Kind::kVerify:
      if (user.email_verified) co_return std::nullopt;
      name = "verify_email";
      with_token(Purpose::kVerify, to, options_.verify_ttl_s, "verify-email");
      break;
    case Kind::kEmailChange: {
      // A taken address gets nothing: a message there would tell its owner of this account.
      const auto holder = co_await users_.find_by_email(row.request.email);
      if (holder || row.request.email.empty()) co_return std::nullopt;
      to = row.request.email;
      name = "email_change";
      with_token(Purpose::kEmailChange, to, options_.verify_ttl_s, "verify-email");
      break;
    }
    case Kind::kEmailChangeNotice:
      name = "email_change_notice";
      break;
    case Kind::kPasswordReset:
      name = "password_reset";
      with_token(Purpose::kPasswordReset, to, options_.reset_ttl_s, "reset-password");
      break;
    case Kind::kPasswordChanged:
      name = "password_changed";
      break;
    case Kind::kPasswordWasReset:
      name = "password_was_reset";
      break;
  }
  Message m = message_to(to, render(user.locale, name, vars, url));
  row.recipient = m.to;
  row.subject = m.subject;
  row.text = m.text;
  row.html = m.html;
  co_await store_.save_composed(row, std::move(token), now);
  co_return m;
}

}  // namespace gd::mail
