// The points ledger: the one write path for balances (a ledger row and the balance change in
// the caller's transaction) and the read side for GET /users/me/points.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/async.hpp"
#include "http/page.hpp"
#include "store/db.hpp"

namespace gd::points {

struct LedgerEntry {
  std::string id;
  std::string user_id;
  std::int64_t amount = 0;  // positive earns, negative spends
  std::string type;         // task_reward | redemption | admin_adjustment | refund
  std::optional<std::string> task_id;
  std::optional<std::string> redemption_id;
  std::int64_t created_at_ms = 0;
};

boost::json::object entry_json(const LedgerEntry& e);

class Ledger {
 public:
  explicit Ledger(db::Database& db) : db_(db) {}

  // Newest first; returns up to page.limit + 1 entries so the caller knows if more follow.
  Task<std::vector<LedgerEntry>> history(std::string user_id, PageRequest page);
  Task<std::int64_t> balance(std::string user_id);
  // Appends an entry and moves the balance by its amount, inside `tx`. Returns false (and
  // changes nothing) when the balance would go negative.
  static Task<bool> post(db::Tx& tx, LedgerEntry entry);

 private:
  db::Database& db_;
};

}  // namespace gd::points
