// The points ledger: the one write path for balances (a ledger row and the balance change in
// the caller's transaction) and the read side for GET /users/me/points.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/async.hpp"
#include "core/ids.hpp"
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
  // The admin behind an admin_adjustment or refund; the creator who confirmed a task_reward.
  std::optional<std::string> actor_id;
  std::optional<std::string> note;  // an admin's reason; why a reward was cut
  // The row's place in its user's ledger (1, 2, ...) and the balance after it: set by post().
  std::int64_t seq = 0;
  std::int64_t balance_after = 0;
};

// The abuse limits on earning (docs/points.md, "Points farming"): task rewards credited to one
// user per UTC calendar day, and rewards one creator gives one helper in a rolling window.
struct EarnOptions {
  std::int64_t max_per_day = 1000;
  std::int64_t max_per_pair = 1000;  // 0: no per-pair limit
  std::int64_t pair_window_days = 30;
};
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

// What became of a task's reward: the creator's confirmation always succeeds, and the
// response says whether an earning limit cut the reward, and which.
enum class RewardCut { kNone, kDailyLimit, kPairLimit };
std::string_view reward_cut_name(RewardCut c);  // "daily_limit", "pair_limit" (none: "")
struct RewardOutcome {
  std::int64_t requested = 0;
  std::int64_t credited = 0;
  RewardCut cut = RewardCut::kNone;
};
boost::json::object reward_json(const RewardOutcome& r);

// The hold on redeeming (docs/points.md): accounts younger than min_account_age_days, and
// helpers whose task rewards come from fewer than min_reward_creators creators, cannot
// redeem yet. 0 / 0 switch the holds off (the defaults).
struct RedeemHoldOptions {
  std::int64_t min_account_age_days = 0;
  std::int64_t min_reward_creators = 0;
};
enum class HoldReason { kAccountTooNew, kSingleSource };
std::string_view hold_reason_name(HoldReason r);  // "account_too_new", "single_source"
struct RedeemHold {
  HoldReason reason;
  std::optional<std::int64_t> until_ms;  // when an age hold ends
};

// A write found the user's ledger chain broken (the previous row's balance plus the amount
// is not the new balance: the balance or the rows were changed behind the ledger's back).
// The transaction is rolled back and the request fails with 500; nothing is written on top
// of a broken ledger. `gooddeeds verify-ledger` names the damage.
class LedgerBroken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

boost::json::object entry_json(const LedgerEntry& e);

class Ledger {
 public:
  explicit Ledger(db::Database& db) : db_(db) {}
  // gooddeeds_point_transactions_total{type=...}: one series per entry type, counted when
  // post() writes a row.
  void attach_metrics(Metrics& m);

  // Newest first; returns up to page.limit + 1 entries so the caller knows if more follow.
  Task<std::vector<LedgerEntry>> history(UserId user, PageRequest page);
  Task<std::int64_t> balance(UserId user);
  // Moves the balance by the entry's amount and appends the entry, inside `tx`. Returns false
  // (and changes nothing) when the balance would go negative, or when there is no such user
  // (callers check that first). Checks the chain on every write: the user's previous row's balance
  // plus the amount must be the new balance, else LedgerBroken.
  Task<bool> post(db::Tx& tx, LedgerEntry entry);
  // An admin's adjustment (type admin_adjustment, the admin and reason recorded):
  // USER_NOT_FOUND, or INSUFFICIENT_POINTS when a debit would make the balance negative.
  Task<Result<LedgerEntry>> adjust(UserId admin, UserId user, std::int64_t amount,
                                   std::string reason);
  // Credits a task_reward of at most entry.amount (entry.actor_id: the task's creator), cut
  // down so that the user's task rewards of the day (UTC) and those from this creator in the
  // rolling window stay within `limit`. The day's sum is a counter on the user's row, read
  // with the row locked, so concurrent credits to one user are counted one after the other
  // (the pair's sum is read under the same lock). A reward cut whole is a row of amount 0
  // whose note says why. Returns the outcome, or nullopt when the user does not exist.
  Task<std::optional<RewardOutcome>> credit_reward(db::Tx& tx, LedgerEntry entry,
                                                   EarnOptions limit);
  // Whether `user_id` may not redeem now, and why; inside the redemption's transaction.
  static Task<std::optional<RedeemHold>> redeem_hold(db::Tx& tx, const UserId& user,
                                                     RedeemHoldOptions options);

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
