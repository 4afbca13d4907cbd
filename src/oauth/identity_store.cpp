// SQL for identities; identical on SQLite and PostgreSQL.
#include "oauth/identity_store.hpp"

namespace gd::oauth {

Task<std::optional<std::string>> IdentityStore::user_of_in(db::Tx& tx, Provider p,
                                                           std::string subject) {
  const auto r =
      co_await tx.exec("SELECT user_id FROM identities WHERE provider = $1 AND subject = $2",
                       db::params(std::string(provider_name(p)), std::move(subject)));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

Task<void> IdentityStore::link_in(db::Tx& tx, Provider p, std::string subject, std::string user_id,
                                  std::optional<std::string> email, std::int64_t now) {
  co_await tx.exec(
      "INSERT INTO identities (provider, subject, user_id, email, created_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      db::params(std::string(provider_name(p)), std::move(subject), std::move(user_id),
                 db::opt(email), now));
}

Task<std::vector<Identity>> IdentityStore::list(std::string user_id) {
  const auto r = co_await db_.read(
      "SELECT provider, subject, user_id, email, created_at FROM identities WHERE user_id = $1 "
      "ORDER BY created_at, provider",
      db::params(std::move(user_id)));
  std::vector<Identity> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.opt(i, 3), r.i64(i, 4)});
  co_return out;
}

Task<void> IdentityStore::remove_all(std::string user_id) {
  co_await db_.write("DELETE FROM identities WHERE user_id = $1", db::params(std::move(user_id)));
}

}  // namespace gd::oauth
