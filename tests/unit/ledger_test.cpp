// The ledger on a SQLite database: the conditional debit, the daily earning cap, admin
// adjustments, and verify_ledger finding each kind of broken invariant.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "points/ledger.hpp"
#include "points/ledger_check.hpp"
#include "store/open.hpp"

namespace {

namespace fs = std::filesystem;
using gd::Task;
using gd::points::EarnOptions;
using gd::points::Ledger;
using gd::points::LedgerEntry;
using gd::points::RewardCut;
using gd::points::RewardOutcome;

template <class T>
Task<std::optional<T>> wrap(Task<T> task) {
  co_return co_await std::move(task);
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_);
    url_ = "sqlite:" + (dir_ / "ledger.db").string();
    ASSERT_GT(gd::db::migrate(url_), 0);
    db_ = gd::db::open_database(ioc_.get_executor(), {url_, 2});
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  template <class T>
  T run(Task<T> task) {
    auto f = boost::asio::co_spawn(ioc_, wrap(std::move(task)), boost::asio::use_future);
    ioc_.restart();
    ioc_.run();
    return std::move(*f.get());
  }
  gd::db::Rows sql(std::string text, gd::db::Params p = {}) {
    auto f = boost::asio::co_spawn(ioc_, db_->write(std::move(text), std::move(p)),
                                   boost::asio::use_future);
    ioc_.restart();
    ioc_.run();
    return f.get();
  }

  std::string user() {
    const auto id = gd::uuid_v7();
    sql("INSERT INTO users (id, email, name, created_at, updated_at) VALUES ($1, $2, 'U', 1, 1)",
        gd::db::params(id, id + "@example.test"));
    return id;
  }
  // A task helped by `helper`, worth `reward`, made by `creator` (a new user by default).
  std::string task(const std::string& helper, std::int64_t reward, std::string status,
                   std::string creator = {}) {
    if (creator.empty()) creator = user();
    const auto id = gd::uuid_v7();
    creator_of_[id] = creator;
    sql("INSERT INTO tasks (id, creator_id, helper_id, title, category, lat, lng, grid_lat, "
        "grid_lng, points_reward, status, created_at, updated_at) VALUES ($1, $2, $3, 'T', "
        "'other', 0, 0, 0, 0, $4, $5, 1, 1)",
        gd::db::params(id, creator, helper, reward, std::move(status)));
    return id;
  }

  // Runs `entry` through Ledger::post in its own transaction.
  bool post(LedgerEntry e) { return run(post_in(db_.get(), std::move(e))); }
  static Task<bool> post_in(gd::db::Database* db, LedgerEntry e) {
    bool ok = false;
    Ledger ledger(*db);
    co_await db->transact([&](gd::db::Tx& tx) -> Task<bool> {
      ok = co_await ledger.post(tx, e);
      co_return ok;
    });
    co_return ok;
  }
  // The reward for `task` (its creator gives it).
  LedgerEntry reward(const std::string& user, const std::string& task, std::int64_t amount) {
    LedgerEntry e;
    e.user_id = user;
    e.amount = amount;
    e.type = "task_reward";
    e.task_id = task;
    e.actor_id = creator_of_[task];
    return e;
  }
  // What credit_reward credited (-1: no such user).
  std::int64_t credit(LedgerEntry e, EarnOptions limit) {
    return outcome(std::move(e), limit).credited;
  }
  RewardOutcome outcome(LedgerEntry e, EarnOptions limit) {
    return run(credit_in(db_.get(), std::move(e), limit));
  }
  static Task<RewardOutcome> credit_in(gd::db::Database* db, LedgerEntry e, EarnOptions limit) {
    RewardOutcome out{0, -1, RewardCut::kNone};
    Ledger ledger(*db);
    co_await db->transact([&](gd::db::Tx& tx) -> Task<bool> {
      auto credited = co_await ledger.credit_reward(tx, e, limit);
      if (credited) out = *credited;
      co_return credited.has_value();
    });
    co_return out;
  }
  std::optional<gd::points::RedeemHold> hold(const std::string& u,
                                             gd::points::RedeemHoldOptions o) {
    return run(hold_in(db_.get(), u, o));
  }
  static Task<std::optional<gd::points::RedeemHold>> hold_in(gd::db::Database* db, std::string u,
                                                             gd::points::RedeemHoldOptions o) {
    std::optional<gd::points::RedeemHold> out;
    co_await db->transact([&](gd::db::Tx& tx) -> Task<bool> {
      out = co_await Ledger::redeem_hold(tx, gd::UserId(u), o);
      co_return true;
    });
    co_return out;
  }
  std::int64_t balance(const std::string& u) {
    Ledger ledger(*db_);
    return run(ledger.balance(gd::UserId(u)));
  }
  gd::points::LedgerReport verify() { return run(gd::points::verify_ledger(*db_)); }

  std::map<std::string, std::string> creator_of_;
  fs::path dir_ = fs::temp_directory_path() / ("gooddeeds-ledger-" + gd::uuid_v4());
  std::string url_;
  boost::asio::io_context ioc_;
  std::unique_ptr<gd::db::Database> db_;
};

LedgerEntry adjustment(const std::string& user, std::int64_t amount) {
  LedgerEntry e;
  e.user_id = user;
  e.amount = amount;
  e.type = "admin_adjustment";
  e.actor_id = "admin";
  e.note = "test";
  return e;
}

TEST_F(LedgerTest, ADebitNeverTakesTheBalanceBelowZero) {
  const auto u = user();
  EXPECT_TRUE(post(adjustment(u, 30)));
  EXPECT_FALSE(post(adjustment(u, -31)));
  EXPECT_EQ(balance(u), 30);
  EXPECT_TRUE(post(adjustment(u, -30)));
  EXPECT_EQ(balance(u), 0);
  EXPECT_FALSE(post(adjustment(gd::uuid_v7(), 5))) << "unknown user: no balance to move";
  EXPECT_TRUE(verify().ok());
}

TEST_F(LedgerTest, RewardsAreCutAtTheDailyCap) {
  const auto u = user();
  const EarnOptions cap{100};
  EXPECT_EQ(credit(reward(u, task(u, 60, "completed"), 60), cap), 60);
  const auto cut = outcome(reward(u, task(u, 60, "completed"), 60), cap);
  EXPECT_EQ(cut.requested, 60);
  EXPECT_EQ(cut.credited, 40);
  EXPECT_EQ(cut.cut, RewardCut::kDailyLimit);
  EXPECT_EQ(credit(reward(u, task(u, 60, "completed"), 60), cap), 0) << "a row of 0, saying why";
  EXPECT_EQ(balance(u), 100);
  // A new day starts a new count (here: what was earned moves to yesterday); other types
  // never count.
  sql("UPDATE point_transactions SET created_at = created_at - $1 WHERE user_id = $2",
      gd::db::params(gd::points::kDayMs, u));
  sql("UPDATE users SET earned_day = earned_day - 1 WHERE id = $1", gd::db::params(u));
  EXPECT_TRUE(post(adjustment(u, 500)));
  EXPECT_EQ(credit(reward(u, task(u, 70, "completed"), 70), cap), 70);
  EXPECT_EQ(credit(reward(gd::uuid_v7(), task(u, 5, "completed"), 5), cap), -1) << "no user";
  const auto report = verify();
  EXPECT_TRUE(report.ok()) << report.violations.front();
  EXPECT_EQ(report.rows, 5);
}

TEST_F(LedgerTest, OneCreatorGivesOneHelperAtMostThePairLimitInTheWindow) {
  const auto helper = user();
  const auto creator = user();
  const EarnOptions limit{1000, 100, 30};
  EXPECT_EQ(credit(reward(helper, task(helper, 70, "completed", creator), 70), limit), 70);
  const auto cut = outcome(reward(helper, task(helper, 70, "completed", creator), 70), limit);
  EXPECT_EQ(cut.credited, 30);
  EXPECT_EQ(cut.cut, RewardCut::kPairLimit);
  EXPECT_EQ(credit(reward(helper, task(helper, 70, "completed", creator), 70), limit), 0);
  // Another creator is another pair.
  EXPECT_EQ(credit(reward(helper, task(helper, 70, "completed"), 70), limit), 70);
  auto notes =
      sql("SELECT amount, note FROM point_transactions WHERE user_id = $1 AND note IS "
          "NOT NULL ORDER BY seq",
          gd::db::params(helper));
  ASSERT_EQ(notes.size(), 2);
  EXPECT_EQ(notes.str(0, 1),
            "capped from 70 by the limit of 100 points from one creator in 30 days");
  EXPECT_EQ(notes.i64(1, 0), 0);
  // Rewards older than the window no longer count.
  sql("UPDATE point_transactions SET created_at = created_at - $1 WHERE user_id = $2",
      gd::db::params(31 * gd::points::kDayMs, helper));
  EXPECT_EQ(credit(reward(helper, task(helper, 70, "completed", creator), 70), limit), 70);
  EXPECT_EQ(balance(helper), 240);
}

TEST_F(LedgerTest, EveryWriteContinuesTheChainAndRefusesABrokenOne) {
  const auto u = user();
  EXPECT_TRUE(post(adjustment(u, 10)));
  EXPECT_TRUE(post(adjustment(u, -4)));
  auto rows =
      sql("SELECT seq, balance_after FROM point_transactions WHERE user_id = $1 ORDER BY "
          "seq",
          gd::db::params(u));
  ASSERT_EQ(rows.size(), 2);
  EXPECT_EQ(rows.i64(0, 0), 1);
  EXPECT_EQ(rows.i64(0, 1), 10);
  EXPECT_EQ(rows.i64(1, 0), 2);
  EXPECT_EQ(rows.i64(1, 1), 6);
  // A balance moved behind the ledger's back: the next write refuses to build on it.
  sql("UPDATE users SET points_balance = 100 WHERE id = $1", gd::db::params(u));
  EXPECT_THROW(post(adjustment(u, 1)), gd::points::LedgerBroken);
  sql("UPDATE users SET points_balance = 6 WHERE id = $1", gd::db::params(u));
  EXPECT_TRUE(post(adjustment(u, 1)));
  EXPECT_TRUE(verify().ok());
  // A row's balance rewritten: it and the row after it no longer add up.
  sql("UPDATE point_transactions SET balance_after = 7 WHERE user_id = $1 AND seq = 1",
      gd::db::params(u));
  const auto report = verify();
  ASSERT_EQ(report.violations.size(), 2u);
  for (const auto& v : report.violations)
    EXPECT_NE(v.find("continues its user's chain"), std::string::npos) << v;
}

TEST_F(LedgerTest, RedeemingIsHeldForYoungAccountsAndSingleSourceHelpers) {
  const auto helper = user();  // created_at 1: years old
  const auto creator = user();
  EXPECT_FALSE(hold(helper, {0, 2})) << "nothing earned, nothing held";
  EXPECT_EQ(credit(reward(helper, task(helper, 50, "completed", creator), 50), EarnOptions{}), 50);
  EXPECT_FALSE(hold(helper, {0, 0}));
  EXPECT_FALSE(hold(helper, {0, 1}));
  auto single = hold(helper, {0, 2});
  ASSERT_TRUE(single);
  EXPECT_EQ(single->reason, gd::points::HoldReason::kSingleSource);
  EXPECT_EQ(credit(reward(helper, task(helper, 50, "completed", creator), 50), EarnOptions{}), 50);
  EXPECT_TRUE(hold(helper, {0, 2})) << "the same creator again is still one source";
  EXPECT_EQ(credit(reward(helper, task(helper, 50, "completed"), 50), EarnOptions{}), 50);
  EXPECT_FALSE(hold(helper, {0, 2}));
  // Young accounts wait min_account_age_days from their creation.
  const auto now = gd::now_ms();
  sql("UPDATE users SET created_at = $2 WHERE id = $1", gd::db::params(helper, now));
  auto young = hold(helper, {3, 0});
  ASSERT_TRUE(young);
  EXPECT_EQ(young->reason, gd::points::HoldReason::kAccountTooNew);
  ASSERT_TRUE(young->until_ms);
  EXPECT_EQ(*young->until_ms, now + 3 * gd::points::kDayMs);
}

TEST_F(LedgerTest, AdjustNeedsAnExistingUserAndEnoughPoints) {
  const auto u = user();
  Ledger ledger(*db_);
  auto ok = run(ledger.adjust(gd::UserId("admin-1"), gd::UserId(u), 25, "welcome"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->type, "admin_adjustment");
  EXPECT_EQ(ok->actor_id, "admin-1");
  EXPECT_EQ(ok->note, "welcome");
  EXPECT_EQ(run(ledger.adjust(gd::UserId("admin-1"), gd::UserId(u), -26, "too much")).error().code,
            gd::ErrorCode::kInsufficientPoints);
  EXPECT_EQ(
      run(ledger.adjust(gd::UserId("admin-1"), gd::UserId(gd::uuid_v7()), 5, "x")).error().code,
      gd::ErrorCode::kUserNotFound);
  EXPECT_EQ(balance(u), 25);
}

TEST_F(LedgerTest, VerifyFindsADailyCounterThatDisagreesWithTheDaysRewards) {
  const auto u = user();
  EXPECT_EQ(credit(reward(u, task(u, 10, "completed"), 10), EarnOptions{100}), 10);
  EXPECT_TRUE(verify().ok());
  sql("UPDATE users SET earned_today = 3 WHERE id = $1", gd::db::params(u));
  const auto report = verify();
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_NE(report.violations[0].find("daily earning counter"), std::string::npos);
}

TEST_F(LedgerTest, VerifyFindsABalanceThatDisagreesWithItsRows) {
  const auto u = user();
  EXPECT_TRUE(post(adjustment(u, 10)));
  sql("UPDATE users SET points_balance = 11 WHERE id = $1", gd::db::params(u));
  const auto report = verify();
  ASSERT_EQ(report.violations.size(), 2u);
  EXPECT_NE(report.violations[0].find("balance equals the sum"), std::string::npos);
  EXPECT_NE(report.violations[0].find(u + ", 11, 10"), std::string::npos) << report.violations[0];
  EXPECT_NE(report.violations[1].find("last ledger row holds the balance"), std::string::npos);
}

TEST_F(LedgerTest, VerifyFindsRewardsForUnfinishedTasksAndMisshapenRows) {
  const auto u = user();
  const auto open_task = task(u, 10, "open");
  EXPECT_TRUE(post(reward(u, open_task, 10)));
  LedgerEntry nameless = adjustment(u, 5);
  nameless.actor_id.reset();  // an adjustment must say which admin made it
  EXPECT_TRUE(post(nameless));
  const auto report = verify();
  ASSERT_EQ(report.violations.size(), 2u);
  EXPECT_NE(report.violations[0].find("the shape of its type"), std::string::npos);
  EXPECT_NE(report.violations[1].find("helper of a completed task"), std::string::npos);
}

TEST_F(LedgerTest, VerifyFindsARedemptionWithoutItsDebit) {
  const auto u = user();
  sql("INSERT INTO partners (id, name, created_at, updated_at) VALUES ('p', 'P', 1, 1)");
  sql("INSERT INTO offers (id, partner_id, title, points_cost, valid_days, created_at, "
      "updated_at) VALUES ('o', 'p', 'O', 10, 1, 1, 1)");
  sql("INSERT INTO redemptions (id, user_id, partner_id, offer_id, points_spent, code, status, "
      "expires_at, created_at, updated_at) VALUES ('r', $1, 'p', 'o', 10, 'AAAAAAAAAAAA', "
      "'active', 2, 1, 1)",
      gd::db::params(u));
  const auto report = verify();
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_NE(report.violations[0].find("exactly one debit"), std::string::npos);
  EXPECT_EQ(report.redemptions, 1);
}

}  // namespace
