// The identities table: which user a provider's subject signs in as. Only this module
// writes it; users/user_store.cpp reads it for the profile's `identities`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "oauth/oauth_config.hpp"
#include "store/db.hpp"

namespace gd::oauth {

struct Identity {
  std::string provider;
  std::string subject;
  std::string user_id;
  std::optional<std::string> email;
  std::int64_t created_at_ms = 0;
};

class IdentityStore {
 public:
  explicit IdentityStore(db::Database& db) : db_(db) {}
  // The user an identity is linked to, in the caller's transaction.
  static Task<std::optional<std::string>> user_of_in(db::Tx& tx, Provider p, std::string subject);
  // A duplicate (provider, subject) throws db::DbError (unique).
  static Task<void> link_in(db::Tx& tx, Provider p, std::string subject, std::string user_id,
                            std::optional<std::string> email, std::int64_t now_ms);
  Task<std::vector<Identity>> list(std::string user_id);
  Task<void> remove_all(std::string user_id);

 private:
  db::Database& db_;
};

}  // namespace gd::oauth
