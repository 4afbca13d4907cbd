#include "store/outbox.hpp"

namespace gd::db {

Task<bool> outbox_due(Database& db, std::string_view table, std::int64_t now) {
  const auto due = co_await db.read(
      "SELECT 1 FROM " + std::string(table) + " WHERE next_attempt_at <= $1 LIMIT 1", params(now));
  co_return !due.empty();
}

Task<void> lease_outbox_rows(Tx& tx, std::string_view table, std::vector<std::string> ids,
                             std::int64_t until) {
  if (ids.empty()) co_return;
  auto p = params(until);
  const auto n = ids.size();
  for (auto& id : ids) p.emplace_back(std::move(id));
  co_await tx.exec("UPDATE " + std::string(table) +
                       " SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN (" +
                       placeholders(2, n) + ")",
                   std::move(p));
}

}  // namespace gd::db
