// Ledger SQL, shared by both back ends.
#include "points/ledger.hpp"

#include <cassert>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace gd::points {
namespace {

constexpr const char* kColumns =
    "id, user_id, amount, type, task_id, redemption_id, created_at FROM point_transactions";

LedgerEntry from_row(const db::Rows& r, int i) {
  return {r.str(i, 0), r.str(i, 1), r.i64(i, 2), r.str(i, 3),
          r.opt(i, 4), r.opt(i, 5), r.i64(i, 6)};
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
          {"createdAt", iso8601_ms(e.created_at_ms)}};
}

Task<std::vector<LedgerEntry>> Ledger::history(std::string user_id, PageRequest page) {
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
        db::params(std::move(user_id), std::stoll(page.after[0]), page.after[1],
                   std::int64_t{page.limit + 1}));
  }
  std::vector<LedgerEntry> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(from_row(rows, i));
  co_return out;
}

Task<std::int64_t> Ledger::balance(std::string user_id) {
  auto r = co_await db_.read("SELECT points_balance FROM users WHERE id = $1",
                             db::params(std::move(user_id)));
  co_return r.empty() ? 0 : r.i64(0, 0);
}

Task<bool> Ledger::post(db::Tx& tx, LedgerEntry e) {
  assert(e.amount != 0 && !e.user_id.empty() && !e.type.empty());
  if (e.id.empty()) e.id = uuid_v7();
  if (e.created_at_ms == 0) e.created_at_ms = now_ms();
  // Conditional update: the balance never goes below zero, even under concurrency.
  auto moved = co_await tx.exec(
      "UPDATE users SET points_balance = points_balance + $2 WHERE id = $1 AND "
      "points_balance + $2 >= 0",
      db::params(e.user_id, e.amount));
  if (moved.affected() != 1) co_return false;
  co_await tx.exec(
      "INSERT INTO point_transactions (id, user_id, amount, type, task_id, redemption_id, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      db::params(e.id, e.user_id, e.amount, e.type, db::opt(e.task_id), db::opt(e.redemption_id),
                 e.created_at_ms));
  co_return true;
}

}  // namespace gd::points
