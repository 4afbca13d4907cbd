// Each invariant is one query that returns the rows breaking it (shared SQL, both back ends).
#include "points/ledger_check.hpp"

#include <fmt/format.h>

namespace gd::points {
namespace {

struct Check {
  const char* name;
  int columns;      // of the SELECT list, all printed
  const char* sql;  // returns the offending rows
};

constexpr Check kChecks[] = {
    {"balance equals the sum of the user's ledger rows", 3,
     "SELECT u.id, u.points_balance, COALESCE(s.total, 0) FROM users u LEFT JOIN (SELECT "
     "user_id, SUM(amount) AS total FROM point_transactions GROUP BY user_id) s ON s.user_id = "
     "u.id WHERE u.points_balance <> COALESCE(s.total, 0) ORDER BY u.id LIMIT 100"},
    {"no balance is negative", 2,
     "SELECT id, points_balance FROM users WHERE points_balance < 0 ORDER BY id LIMIT 100"},
    {"every ledger row belongs to a user", 2,
     "SELECT p.id, p.user_id FROM point_transactions p LEFT JOIN users u ON u.id = p.user_id "
     "WHERE u.id IS NULL ORDER BY p.id LIMIT 100"},
    {"every ledger row has the shape of its type", 3,
     "SELECT id, type, amount FROM point_transactions WHERE NOT ((type = 'task_reward' AND "
     "(amount > 0 OR (amount = 0 AND note IS NOT NULL)) AND task_id IS NOT NULL AND "
     "redemption_id IS NULL AND actor_id IS NOT NULL) OR (type = 'redemption' AND "
     "amount < 0 AND redemption_id IS NOT NULL AND task_id IS NULL) OR (type = 'refund' AND "
     "amount > 0 AND redemption_id IS NOT NULL AND task_id IS NULL) OR (type = "
     "'admin_adjustment' AND amount <> 0 AND actor_id IS NOT NULL AND note IS NOT NULL)) ORDER "
     "BY id LIMIT 100"},
    {"no task pays out twice", 2,
     "SELECT task_id, COUNT(*) FROM point_transactions WHERE type = 'task_reward' GROUP BY "
     "task_id HAVING COUNT(*) > 1 ORDER BY task_id LIMIT 100"},
    {"a reward goes from the creator to the helper of a completed task, at most its "
     "pointsReward",
     4,
     "SELECT p.id, p.task_id, p.user_id, p.amount FROM point_transactions p LEFT JOIN tasks t ON "
     "t.id = p.task_id WHERE p.type = 'task_reward' AND (t.id IS NULL OR t.status <> "
     "'completed' OR t.helper_id IS NULL OR t.helper_id <> p.user_id OR p.amount > "
     "t.points_reward OR p.actor_id IS NULL OR p.actor_id <> t.creator_id) ORDER BY p.id LIMIT "
     "100"},
    {"every ledger row continues its user's chain (seq, balance after)", 4,
     "SELECT p.id, p.user_id, p.seq, p.balance_after FROM point_transactions p LEFT JOIN "
     "point_transactions q ON q.user_id = p.user_id AND q.seq = p.seq - 1 WHERE p.seq < 1 OR "
     "(p.seq > 1 AND q.id IS NULL) OR p.balance_after <> COALESCE(q.balance_after, 0) + "
     "p.amount ORDER BY p.id LIMIT 100"},
    {"a user's last ledger row holds the balance, and no row is beyond it", 4,
     "SELECT u.id, u.ledger_seq, u.points_balance, p.balance_after FROM users u LEFT JOIN "
     "point_transactions p ON p.user_id = u.id AND p.seq = u.ledger_seq WHERE (u.ledger_seq > 0 "
     "AND (p.id IS NULL OR p.balance_after <> u.points_balance)) OR u.ledger_seq < 0 OR "
     "EXISTS (SELECT 1 FROM point_transactions x WHERE x.user_id = u.id AND x.seq > "
     "u.ledger_seq) ORDER BY u.id LIMIT 100"},
    {"every redemption is matched by exactly one debit of its points", 2,
     "SELECT r.id, COUNT(p.id) FROM redemptions r LEFT JOIN point_transactions p ON "
     "p.redemption_id = r.id AND p.type = 'redemption' AND p.user_id = r.user_id AND p.amount = "
     "-r.points_spent GROUP BY r.id HAVING COUNT(p.id) <> 1 ORDER BY r.id LIMIT 100"},
    {"every redemption debit belongs to a redemption of that user and amount", 2,
     "SELECT p.id, p.redemption_id FROM point_transactions p LEFT JOIN redemptions r ON r.id = "
     "p.redemption_id WHERE p.type = 'redemption' AND (r.id IS NULL OR r.user_id <> p.user_id "
     "OR p.amount <> -r.points_spent) ORDER BY p.id LIMIT 100"},
    {"a refunded redemption has exactly one refund, any other none", 3,
     "SELECT r.id, r.status, COUNT(p.id) FROM redemptions r LEFT JOIN point_transactions p ON "
     "p.redemption_id = r.id AND p.type = 'refund' GROUP BY r.id, r.status HAVING COUNT(p.id) "
     "<> CASE WHEN r.status = 'refunded' THEN 1 ELSE 0 END ORDER BY r.id LIMIT 100"},
    {"every refund gives back exactly its redemption's points", 2,
     "SELECT p.id, p.redemption_id FROM point_transactions p LEFT JOIN redemptions r ON r.id = "
     "p.redemption_id WHERE p.type = 'refund' AND (r.id IS NULL OR r.user_id <> p.user_id OR "
     "p.amount <> r.points_spent) ORDER BY p.id LIMIT 100"},
    {"the daily earning counter equals the rewards of its day", 4,
     "SELECT u.id, u.earned_day, u.earned_today, COALESCE(SUM(p.amount), 0) FROM users u LEFT "
     "JOIN point_transactions p ON p.user_id = u.id AND p.type = 'task_reward' AND p.created_at "
     ">= u.earned_day * 86400000 AND p.created_at < (u.earned_day + 1) * 86400000 WHERE "
     "u.earned_day > 0 GROUP BY u.id, u.earned_day, u.earned_today HAVING u.earned_today <> "
     "COALESCE(SUM(p.amount), 0) ORDER BY u.id LIMIT 100"},
    {"every redemption has a known status, and a used one its time of use", 2,
     "SELECT id, status FROM redemptions WHERE status NOT IN ('active', 'used', 'refunded') OR "
     "((status = 'used') <> (used_at IS NOT NULL)) ORDER BY id LIMIT 100"},
};

std::string describe(const db::Rows& r, int i, int columns) {
  std::string out;
  for (int c = 0; c < columns; ++c) {
    if (c > 0) out += ", ";
    out += r.is_null(i, c) ? std::string("NULL") : r.str(i, c);
  }
  return out;
}

Task<std::int64_t> count(db::Database& db, std::string sql) {
  auto r = co_await db.read(std::move(sql), db::Params());
  co_return r.i64(0, 0);
}

}  // namespace

Task<LedgerReport> verify_ledger(db::Database& db) {
  LedgerReport report;
  report.users = co_await count(db, "SELECT COUNT(*) FROM users");
  report.rows = co_await count(db, "SELECT COUNT(*) FROM point_transactions");
  report.redemptions = co_await count(db, "SELECT COUNT(*) FROM redemptions");
  for (const auto& check : kChecks) {
    auto rows = co_await db.read(std::string(check.sql), db::Params());
    for (int i = 0; i < rows.size(); ++i)
      report.violations.push_back(
          fmt::format("{}: {}", check.name, describe(rows, i, check.columns)));
  }
  co_return report;
}

}  // namespace gd::points
