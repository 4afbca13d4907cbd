// Outbox and token SQL, shared by both back ends except the claim's row locking.
#include "mail/mail_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/ids.hpp"
#include "core/secret.hpp"
#include "store/outbox.hpp"

namespace gd::mail {
namespace {

constexpr std::pair<Kind, std::string_view> kKinds[] = {
    {Kind::kVerify, "verify"},
    {Kind::kEmailChange, "email_change"},
    {Kind::kEmailChangeNotice, "email_change_notice"},
    {Kind::kPasswordReset, "password_reset"},
    {Kind::kPasswordChanged, "password_changed"},
    {Kind::kPasswordWasReset, "password_was_reset"},
};

constexpr std::pair<Purpose, std::string_view> kPurposes[] = {
    {Purpose::kVerify, "verify"},
    {Purpose::kEmailChange, "email_change"},
    {Purpose::kPasswordReset, "password_reset"},
};

std::string params_json(const Request& r) {
  boost::json::object o;
  if (!r.email.empty()) o["email"] = r.email;
  if (!r.locale.empty()) o["locale"] = r.locale;
  return boost::json::serialize(o);
}

void read_params(std::string_view json, Request& r) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.as_object();
  if (const auto* e = o.if_contains("email"); e && e->is_string()) r.email = e->as_string();
  if (const auto* l = o.if_contains("locale"); l && l->is_string()) r.locale = l->as_string();
}

std::string purpose_list(const std::vector<Purpose>& purposes) {
  std::string out;
  for (auto p : purposes) out += (out.empty() ? "'" : ", '") + std::string(purpose_name(p)) + "'";
  return out;
}

Purpose purpose_from(std::string_view s) {
  for (const auto& [p, name] : kPurposes)
    if (name == s) return p;
  return Purpose::kVerify;  // the CHECK constraint admits no other value
}

constexpr const char* kTokenUse = "user_id, email, purpose";

std::optional<TokenUse> token_use(const db::Rows& r) {
  if (r.empty()) return std::nullopt;
  return TokenUse{r.str(0, 0), r.str(0, 1), purpose_from(r.text(0, 2))};
}

}  // namespace

std::string_view kind_name(Kind k) {
  for (const auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "verify";
}

std::optional<Kind> parse_kind(std::string_view s) {
  for (const auto& [kind, name] : kKinds)
    if (name == s) return kind;
  return std::nullopt;
}

std::string_view purpose_name(Purpose p) {
  for (const auto& [purpose, name] : kPurposes)
    if (purpose == p) return name;
  return "verify";
}

std::string new_link_token() {
  return random_token();
}

std::string link_token_hash(std::string_view token) {
  return sha256_hex(token);
}

Task<void> MailStore::enqueue_in(db::Tx& tx, Request r, std::int64_t now) {
  co_await tx.exec(
      "INSERT INTO mail_outbox (id, kind, user_id, recipient, params, attempts, next_attempt_at, "
      "created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
      db::params(uuid_v7(), std::string(kind_name(r.kind)), db::opt(r.user_id),
                 db::opt(r.recipient), params_json(r), now));
}

Task<std::vector<OutboxRow>> MailStore::claim(std::size_t limit, std::int64_t now,
                                              std::int64_t lease_ms) {
  std::vector<OutboxRow> out;
  if (!co_await db::outbox_due(db_, "mail_outbox", now)) co_return out;
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  const std::string select =
      std::string(
          "SELECT id, kind, user_id, recipient, params, subject, body_text, body_html, "
          "attempts, created_at FROM mail_outbox WHERE next_attempt_at <= $1 "
          "ORDER BY next_attempt_at, id LIMIT $2") +
      (pg ? " FOR UPDATE SKIP LOCKED" : "");
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    const auto rows = co_await tx.exec(select, db::params(now, static_cast<std::int64_t>(limit)));
    if (rows.empty()) co_return true;
    std::vector<std::string> ids;
    for (int i = 0; i < rows.size(); ++i) {
      OutboxRow row;
      row.id = rows.str(i, 0);
      row.kind = parse_kind(rows.text(i, 1));
      if (row.kind) row.request.kind = *row.kind;
      row.request.user_id = rows.opt(i, 2);
      row.request.recipient = rows.opt(i, 3);
      read_params(rows.text(i, 4), row.request);
      row.composed = !rows.is_null(i, 5);
      row.recipient = rows.str(i, 3);
      row.subject = rows.str(i, 5);
      row.text = rows.str(i, 6);
      row.html = rows.str(i, 7);
      row.attempts = static_cast<int>(rows.i64(i, 8)) + 1;
      row.created_at_ms = rows.i64(i, 9);
      ids.emplace_back(row.id);
      out.push_back(std::move(row));
    }
    co_await db::lease_outbox_rows(tx, "mail_outbox", std::move(ids), now + lease_ms);
    co_return true;
  };
  co_await db_.transact(body);
  co_return out;
}

Task<void> MailStore::save_composed(const OutboxRow& row, std::optional<NewToken> token,
                                    std::int64_t now) {
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    if (token) {
      // A new link supersedes the older ones of its purpose.
      co_await retire_tokens_in(tx, token->user_id, token->purpose, now);
      co_await tx.exec(
          "INSERT INTO mail_tokens (token_hash, user_id, purpose, email, created_at, expires_at) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          db::params(token->hash, token->user_id, std::string(purpose_name(token->purpose)),
                     token->email, now, token->expires_at_ms));
    }
    co_await tx.exec(
        "UPDATE mail_outbox SET recipient = $2, subject = $3, body_text = $4, body_html = $5 "
        "WHERE id = $1",
        db::params(row.id, row.recipient, row.subject, row.text, row.html));
    co_return true;
  };
  co_await db_.transact(body);
}

Task<void> MailStore::done(std::string id) {
  co_await db_.write("DELETE FROM mail_outbox WHERE id = $1", db::params(std::move(id)));
}

Task<void> MailStore::reschedule(std::string id, std::int64_t at, std::string error) {
  co_await db_.write("UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1",
                     db::params(std::move(id), at, std::move(error)));
}

Task<std::int64_t> MailStore::pending() {
  const auto rows = co_await db_.read("SELECT COUNT(*) FROM mail_outbox");
  co_return rows.empty() ? 0 : rows.i64(0, 0);
}

Task<std::optional<TokenUse>> MailStore::peek_token(std::string hash, std::vector<Purpose> purposes,
                                                    std::int64_t now) {
  co_return token_use(co_await db_.read(
      std::string("SELECT ") + kTokenUse +
          " FROM mail_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 "
          "AND purpose IN (" +
          purpose_list(purposes) + ")",
      db::params(std::move(hash), now)));
}

Task<std::optional<TokenUse>> MailStore::use_token_in(db::Tx& tx, std::string hash,
                                                      std::vector<Purpose> purposes,
                                                      std::int64_t now) {
  co_return token_use(co_await tx.exec(
      "UPDATE mail_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND "
      "expires_at > $2 AND purpose IN (" +
          purpose_list(purposes) + ") RETURNING " + kTokenUse,
      db::params(std::move(hash), now)));
}

Task<void> MailStore::retire_tokens_in(db::Tx& tx, std::string user_id, Purpose purpose,
                                       std::int64_t now) {
  co_await tx.exec(
      "UPDATE mail_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS "
      "NULL",
      db::params(std::move(user_id), std::string(purpose_name(purpose)), now));
}

Task<void> MailStore::erase_user(std::string user_id) {
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    co_await tx.exec("DELETE FROM mail_tokens WHERE user_id = $1", db::params(user_id));
    co_await tx.exec("DELETE FROM mail_outbox WHERE user_id = $1", db::params(user_id));
    co_return true;
  };
  co_await db_.transact(body);
}

}  // namespace gd::mail
