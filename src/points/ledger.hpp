// The points ledger: the one write path for balances (a ledger row and the balance change in
// the caller's transaction) and the read side for GET /users/me/points.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/async.hpp"
#include "core/metrics.hpp"
#include "core/page.hpp"
#include "core/result.hpp"
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
  std::optional<std::string> actor_id;  // the admin behind an admin_adjustment or refund
  std::optional<std::string> note;      // an admin's reason; why a reward was capped
};

// The abuse limit on earning: task rewards credited to one user per UTC calendar day.
struct EarnOptions {
  std::int64_t max_per_day = 1000;
};
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

boost::json::object entry_json(const LedgerEntry& e);

class Ledger {
 public:
  explicit Ledger(db::Database& db) : db_(db) {}
  // gooddeeds_point_transactions_total{type=...}: one series per entry type, counted when
  // post() writes a row.
  void attach_metrics(Metrics& m);

  // Newest first; returns up to page.limit + 1 entries so the caller knows if more follow.
  Task<std::vector<LedgerEntry>> history(std::string user_id, PageRequest page);
  Task<std::int64_t> balance(std::string user_id);
  // Appends an entry and moves the balance by its amount, inside `tx`. Returns false (and
  // changes nothing) when the balance would go negative. The user must exist (user rows are
  // never deleted; a foreign key refuses anything else).
  Task<bool> post(db::Tx& tx, LedgerEntry entry);
  // An admin's adjustment (type admin_adjustment, the admin and reason recorded):
  // USER_NOT_FOUND, or INSUFFICIENT_POINTS when a debit would make the balance negative.
  Task<Result<LedgerEntry>> adjust(std::string admin_id, std::string user_id, std::int64_t amount,
                                   std::string reason);
  // Credits a task_reward of at most entry.amount, cut down so that the user's task rewards
  // of the day (UTC) stay within `limit`. The day's sum is a counter on the user's row, read
  // with the row locked, so concurrent credits to one user are counted one after the other.
  // Returns the amount credited (0 writes no row), or nullopt when the user does not exist.
  Task<std::optional<std::int64_t>> credit_reward(db::Tx& tx, LedgerEntry entry, EarnOptions limit);

 private:
  db::Database& db_;
  void count(std::string_view type);
  struct Series {
    std::string_view type;
    std::atomic<std::uint64_t>* counter;
  };
  std::vector<Series> written_;  // set once by attach_metrics
};

}  // namespace gd::points
