// Ledger SQL, shared by both back ends.
#include "points/ledger.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "notifications/notification_service.hpp"

namespace gd::points {
namespace {

constexpr const char* kColumns =
    "id, user_id, amount, type, task_id, redemption_id, created_at, actor_id, note, seq, "
    "balance_after FROM point_transactions";

LedgerEntry from_row(const db::Rows& r, int i) {
  return {r.str(i, 0), r.str(i, 1), r.i64(i, 2), r.str(i, 3), r.opt(i, 4), r.opt(i, 5),
          r.i64(i, 6), r.opt(i, 7), r.opt(i, 8), r.i64(i, 9), r.i64(i, 10)};
}

}  // namespace

boost::json::object entry_json(const LedgerEntry& e) {
  const auto opt = [](const std::optional<std::string>& s) -> boost::json::value {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
  };
  return {{"id", e.id},
          {"userId", e.user_id},
          {"amount", e.amount},
          {"type", e.type},
          {"taskId", opt(e.task_id)},
          {"redemptionId", opt(e.redemption_id)},
          {"note", opt(e.note)},
          {"createdAt", iso8601_ms(e.created_at_ms)}};
}

Task<std::vector<LedgerEntry>> Ledger::history(UserId user, PageRequest page) {
  std::string& user_id = user.value;
  db::Rows rows;
  if (page.after.empty()) {
    rows = co_await db_.read(std::string("SELECT ") + kColumns +
                                 " WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                             db::params(std::move(user_id), std::int64_t{page.limit + 1}));
  } else {
    rows = co_await db_.read(
        std::string("SELECT ") + kColumns +
            " WHERE user_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3)) "
            "ORDER BY created_at DESC, id DESC LIMIT $4",
        db::params(std::move(user_id), page.int_after(0), page.text_after(1),
                   std::int64_t{page.limit + 1}));
  }
  std::vector<LedgerEntry> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(from_row(rows, i));
  co_return out;
}

Task<std::int64_t> Ledger::balance(UserId user) {
  std::string& user_id = user.value;
  auto r = co_await db_.read("SELECT points_balance FROM users WHERE id = $1",
                             db::params(std::move(user_id)));
  co_return r.empty() ? 0 : r.i64(0, 0);
}

namespace {
constexpr std::string_view kEntryTypes[] = {"task_reward", "redemption", "admin_adjustment",
                                            "refund"};

// The dashboard's kind of each entry type: points earned, spent, adjusted by an admin, refunded.
constexpr std::string_view kind_of(std::string_view type) {
  if (type == "task_reward") return "earn";
  if (type == "redemption") return "spend";
  if (type == "admin_adjustment") return "adjust";
  return "refund";
}

}  // namespace

void Ledger::attach_metrics(Metrics& m) {
  for (auto type : kEntryTypes)
    written_.push_back(
        {type, &m.counter("gooddeeds_point_transactions_total",
                          "Ledger rows written, by entry type and kind (earn, spend, adjust, "
                          "refund).",
                          fmt::format("type=\"{}\",kind=\"{}\"", type, kind_of(type)))});
}

void Ledger::count(std::string_view type) {
  for (auto& s : written_)
    if (s.type == type) s.counter->fetch_add(1, std::memory_order_relaxed);
}

Task<bool> Ledger::post(db::Tx& tx, LedgerEntry e) {
  GD_CHECK(!e.user_id.empty());
  GD_CHECK(std::find(std::begin(kEntryTypes), std::end(kEntryTypes), e.type) !=
           std::end(kEntryTypes));
  // Only a reward withheld by an earning limit is a row without an amount, and it says why.
  GD_CHECK(e.amount != 0 || (e.type == "task_reward" && e.note));
  if (e.id.empty()) e.id = uuid_v7();
  if (e.created_at_ms == 0) e.created_at_ms = now_ms();
  // Conditional update: the balance never goes below zero, even under concurrency. It holds
  // the user's row (PostgreSQL) until the caller commits, so the user's rows get their seq
  // one after the other.
  auto moved = co_await tx.exec(
      "UPDATE users SET points_balance = points_balance + $2, ledger_seq = ledger_seq + 1 "
      "WHERE id = $1 AND points_balance + $2 >= 0 RETURNING points_balance, ledger_seq",
      db::params(e.user_id, e.amount));
  if (moved.empty()) co_return false;
  e.balance_after = moved.i64(0, 0);
  e.seq = moved.i64(0, 1);
  GD_CHECK(e.balance_after >= 0 && e.seq >= 1);
  // Balance = sum of the rows, by induction: the previous row's balance plus this amount.
  std::int64_t before = 0;
  if (e.seq > 1) {
    auto prev = co_await tx.exec(
        "SELECT balance_after FROM point_transactions WHERE user_id = $1 AND seq = $2",
        db::params(e.user_id, e.seq - 1));
    if (prev.empty())
      throw LedgerBroken("ledger of user " + e.user_id + " has no row " +
                         std::to_string(e.seq - 1));
    before = prev.i64(0, 0);
  }
  if (before + e.amount != e.balance_after)
    throw LedgerBroken("ledger of user " + e.user_id + ": row " + std::to_string(e.seq - 1) +
                       " leaves " + std::to_string(before) + ", but the balance moved by " +
                       std::to_string(e.amount) + " to " + std::to_string(e.balance_after));
  co_await tx.exec(
      "INSERT INTO point_transactions (id, user_id, amount, type, task_id, redemption_id, "
      "created_at, actor_id, note, seq, balance_after) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      db::params(e.id, e.user_id, e.amount, e.type, db::opt(e.task_id), db::opt(e.redemption_id),
                 e.created_at_ms, db::opt(e.actor_id), db::opt(e.note), e.seq, e.balance_after));
  count(e.type);
  co_return true;
}

std::string_view reward_cut_name(RewardCut c) {
  switch (c) {
    case RewardCut::kNone:
      return "";
    case RewardCut::kDailyLimit:
      return "daily_limit";
    case RewardCut::kPairLimit:
      return "pair_limit";
  }
  return "";
}

std::string_view hold_reason_name(HoldReason r) {
  return r == HoldReason::kAccountTooNew ? "account_too_new" : "single_source";
}

boost::json::object reward_json(const RewardOutcome& r) {
  return {{"requested", r.requested},
          {"credited", r.credited},
          {"cut", r.cut == RewardCut::kNone ? boost::json::value(nullptr)
                                            : boost::json::value(reward_cut_name(r.cut))}};
}

Task<std::optional<RewardOutcome>> Ledger::credit_reward(db::Tx& tx, LedgerEntry e,
                                                         EarnOptions limit) {
  GD_CHECK(e.amount > 0 && e.type == "task_reward" && limit.max_per_day > 0 && e.actor_id);
  if (e.created_at_ms == 0) e.created_at_ms = now_ms();
  const std::int64_t day = e.created_at_ms / kDayMs;
  // Locks the row (PostgreSQL; SQLite transactions are serial anyway) and starts a new day's
  // count when the day has changed.
  auto counted = co_await tx.exec(
      "UPDATE users SET earned_today = CASE WHEN earned_day = $2 THEN earned_today ELSE 0 END, "
      "earned_day = $2 WHERE id = $1 RETURNING earned_today",
      db::params(e.user_id, day));
  if (counted.empty()) co_return std::nullopt;
  RewardOutcome out{e.amount, e.amount, RewardCut::kNone};
  const std::int64_t day_room = std::max<std::int64_t>(0, limit.max_per_day - counted.i64(0, 0));
  std::int64_t pair_room = e.amount;
  if (limit.max_per_pair > 0) {
    // Under the helper's row lock taken above, so concurrent confirms see each other's rows.
    auto pair = co_await tx.exec(
        "SELECT COALESCE(SUM(amount), 0) FROM point_transactions WHERE user_id = $1 AND "
        "type = 'task_reward' AND actor_id = $2 AND created_at > $3",
        db::params(e.user_id, *e.actor_id, e.created_at_ms - limit.pair_window_days * kDayMs));
    pair_room = std::max<std::int64_t>(0, limit.max_per_pair - pair.i64(0, 0));
  }
  if (e.amount > std::min(day_room, pair_room)) {
    if (day_room <= pair_room) {
      out.cut = RewardCut::kDailyLimit;
      out.credited = day_room;
      e.note = "capped from " + std::to_string(e.amount) + " by the daily earning limit of " +
               std::to_string(limit.max_per_day);
    } else {
      out.cut = RewardCut::kPairLimit;
      out.credited = pair_room;
      e.note = "capped from " + std::to_string(e.amount) + " by the limit of " +
               std::to_string(limit.max_per_pair) + " points from one creator in " +
               std::to_string(limit.pair_window_days) + " days";
    }
    e.amount = out.credited;
  }
  const auto user_id = e.user_id;
  if (!co_await post(tx, std::move(e))) co_return std::nullopt;
  if (out.credited > 0)
    co_await tx.exec("UPDATE users SET earned_today = earned_today + $2 WHERE id = $1",
                     db::params(user_id, out.credited));
  co_return out;
}

Task<std::optional<RedeemHold>> Ledger::redeem_hold(db::Tx& tx, const UserId& user,
                                                    RedeemHoldOptions options) {
  const std::string& user_id = user.value;
  if (options.min_account_age_days > 0) {
    auto u = co_await tx.exec("SELECT created_at FROM users WHERE id = $1", db::params(user_id));
    if (!u.empty()) {
      const auto until = u.i64(0, 0) + options.min_account_age_days * kDayMs;
      if (now_ms() < until) co_return RedeemHold{HoldReason::kAccountTooNew, until};
    }
  }
  if (options.min_reward_creators > 1) {
    // Only helpers who earned are held: points from admins and refunds are not farmed.
    auto c = co_await tx.exec(
        "SELECT COUNT(DISTINCT actor_id), COUNT(*) FROM point_transactions WHERE user_id = $1 "
        "AND type = 'task_reward' AND amount > 0",
        db::params(user_id));
    if (c.i64(0, 1) > 0 && c.i64(0, 0) < options.min_reward_creators)
      co_return RedeemHold{HoldReason::kSingleSource, std::nullopt};
  }
  co_return std::nullopt;
}

Task<Result<LedgerEntry>> Ledger::adjust(UserId admin, UserId user, std::int64_t amount,
                                         std::string reason) {
  LedgerEntry e;
  e.id = uuid_v7();
  e.user_id = std::move(user.value);
  e.amount = amount;
  e.type = "admin_adjustment";
  e.actor_id = std::move(admin.value);
  e.note = std::move(reason);
  e.created_at_ms = now_ms();
  auto r = co_await db_.transaction<LedgerEntry>([&](db::Tx& tx) -> Task<Result<LedgerEntry>> {
    auto user = co_await tx.exec("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL",
                                 db::params(e.user_id));
    if (user.empty()) co_return make_error(ErrorCode::kUserNotFound, "No such user.");
    if (!co_await post(tx, e))
      co_return make_error(ErrorCode::kInsufficientPoints, "The balance is lower than the debit.");
    co_await notifications::NotificationService::add_in(tx, UserId(e.user_id),
                                                        notifications::Type::kPointsAdjusted,
                                                        {.points = e.amount, .reason = e.note});
    co_return e;
  });
  if (r)
    spdlog::info("admin {} adjusted the points of user {} by {}: {}", *e.actor_id, e.user_id,
                 e.amount, *e.note);
  co_return r;
}

}  // namespace gd::points
