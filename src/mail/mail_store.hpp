// SQL for the mail module's tables (migration 0014): mail_tokens, the single-use link tokens,
// and mail_outbox, the messages waiting to be sent.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "store/db.hpp"

namespace gd::mail {

// What an outbox row asks for. A row is written as a request and composed into a message by
// the worker (AccountMail::compose), which also decides that there is nothing to send.
enum class Kind {
  kVerify,             // user_id: a verification link to the account's address
  kEmailChange,        // user_id, email: a verification link to the new address
  kEmailChangeNotice,  // user_id, email: the old address is told of the change
  kPasswordReset,      // recipient, locale: a reset link, if an account has that address
  kPasswordChanged,    // user_id: the change is announced to the account's address
  kPasswordWasReset,   // user_id: the reset is announced to the account's address
};
std::string_view kind_name(Kind k);
std::optional<Kind> parse_kind(std::string_view s);

struct Request {
  Kind kind = Kind::kVerify;
  std::optional<std::string> user_id;
  std::optional<std::string> recipient;
  std::string email;   // kEmailChange, kEmailChangeNotice: the new address
  std::string locale;  // kPasswordReset: the request's language, for an unknown address
};

struct OutboxRow {
  std::string id;
  std::optional<Kind> kind;  // nullopt: a kind this version does not know (dropped)
  Request request;
  bool composed = false;  // subject and bodies are filled in
  std::string recipient, subject, text, html;
  int attempts = 0;  // including the one just claimed
  std::int64_t created_at_ms = 0;
};

enum class Purpose { kVerify, kEmailChange, kPasswordReset };
std::string_view purpose_name(Purpose p);

struct TokenUse {
  std::string user_id;
  std::string email;  // the address the link was sent to
  Purpose purpose = Purpose::kVerify;
};

// 32 random bytes, base64url: the token in a link.
std::string new_link_token();
// Hex SHA-256: the only form in which link tokens are stored.
std::string link_token_hash(std::string_view token);

class MailStore {
 public:
  explicit MailStore(db::Database& db) : db_(db) {}
  db::Database& database() { return db_; }

  // One outbox row, in the caller's transaction: sent only if that commits.
  static Task<void> enqueue_in(db::Tx& tx, Request r, std::int64_t now);
  // Leases up to `limit` due rows for `lease_ms` (attempts counted now), oldest first;
  // FOR UPDATE SKIP LOCKED on PostgreSQL, so processes sharing the database split the work.
  Task<std::vector<OutboxRow>> claim(std::size_t limit, std::int64_t now, std::int64_t lease_ms);
  // Stores the composed message; with a token, the token too, in one transaction.
  struct NewToken {
    std::string hash, user_id, email;
    Purpose purpose = Purpose::kVerify;
    std::int64_t expires_at_ms = 0;
  };
  Task<void> save_composed(const OutboxRow& row, std::optional<NewToken> token, std::int64_t now);
  Task<void> done(std::string id);
  Task<void> reschedule(std::string id, std::int64_t at, std::string error);
  Task<std::int64_t> pending();

  // A token of one of `purposes` that is unused and unexpired, without using it.
  Task<std::optional<TokenUse>> peek_token(std::string hash, std::vector<Purpose> purposes,
                                           std::int64_t now);
  // Uses the token (once: a concurrent use finds it used) in the caller's transaction.
  static Task<std::optional<TokenUse>> use_token_in(db::Tx& tx, std::string hash,
                                                    std::vector<Purpose> purposes,
                                                    std::int64_t now);
  // Every unused token of the user with `purpose` stops working (a newer one supersedes it,
  // the password or the address changed).
  static Task<void> retire_tokens_in(db::Tx& tx, std::string user_id, Purpose purpose,
                                     std::int64_t now);
  // Erasure: the user's tokens and unsent messages go.
  Task<void> erase_user(std::string user_id);

 private:
  db::Database& db_;
};

}  // namespace gd::mail
