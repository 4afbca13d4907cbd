// The ledger on a SQLite database: the conditional debit, the daily earning cap, admin
// adjustments, and verify_ledger finding each kind of broken invariant.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
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
  void sql(std::string text, gd::db::Params p = {}) {
    auto f = boost::asio::co_spawn(ioc_, db_->write(std::move(text), std::move(p)),
                                   boost::asio::use_future);
    ioc_.restart();
    ioc_.run();
    f.get();
  }

  std::string user() {
    const auto id = gd::uuid_v7();
    sql("INSERT INTO users (id, email, name, created_at, updated_at) VALUES ($1, $2, 'U', 1, 1)",
        gd::db::params(id, id + "@example.test"));
    return id;
  }
  // A completed task helped by `helper`, worth `reward`.
  std::string task(const std::string& helper, std::int64_t reward, std::string status) {
    const auto creator = user();
    const auto id = gd::uuid_v7();
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
  std::int64_t credit(LedgerEntry e, EarnOptions limit) {
    return run(credit_in(db_.get(), std::move(e), limit));
  }
  static Task<std::int64_t> credit_in(gd::db::Database* db, LedgerEntry e, EarnOptions limit) {
    std::int64_t out = -1;
    Ledger ledger(*db);
    co_await db->transact([&](gd::db::Tx& tx) -> Task<bool> {
      auto credited = co_await ledger.credit_reward(tx, e, limit);
      out = credited.value_or(-1);
      co_return credited.has_value();
    });
    co_return out;
  }
  std::int64_t balance(const std::string& u) {
    Ledger ledger(*db_);
    return run(ledger.balance(u));
  }
  gd::points::LedgerReport verify() { return run(gd::points::verify_ledger(*db_)); }

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

LedgerEntry reward(const std::string& user, const std::string& task, std::int64_t amount) {
  LedgerEntry e;
  e.user_id = user;
  e.amount = amount;
  e.type = "task_reward";
  e.task_id = task;
  return e;
}

TEST_F(LedgerTest, ADebitNeverTakesTheBalanceBelowZero) {
  const auto u = user();
  EXPECT_TRUE(post(adjustment(u, 30)));
  EXPECT_FALSE(post(adjustment(u, -31)));
  EXPECT_EQ(balance(u), 30);
  EXPECT_TRUE(post(adjustment(u, -30)));
  EXPECT_EQ(balance(u), 0);
  EXPECT_THROW(post(adjustment(gd::uuid_v7(), 5)), gd::db::DbError) << "unknown user";
  EXPECT_TRUE(verify().ok());
}

TEST_F(LedgerTest, RewardsAreCutAtTheDailyCap) {
  const auto u = user();
  const EarnOptions cap{100};
  EXPECT_EQ(credit(reward(u, task(u, 60, "completed"), 60), cap), 60);
  EXPECT_EQ(credit(reward(u, task(u, 60, "completed"), 60), cap), 40);
  EXPECT_EQ(credit(reward(u, task(u, 60, "completed"), 60), cap), 0);
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
  EXPECT_EQ(report.rows, 4);
}

TEST_F(LedgerTest, AdjustNeedsAnExistingUserAndEnoughPoints) {
  const auto u = user();
  Ledger ledger(*db_);
  auto ok = run(ledger.adjust("admin-1", u, 25, "welcome"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->type, "admin_adjustment");
  EXPECT_EQ(ok->actor_id, "admin-1");
  EXPECT_EQ(ok->note, "welcome");
  EXPECT_EQ(run(ledger.adjust("admin-1", u, -26, "too much")).error().code,
            gd::ErrorCode::kInsufficientPoints);
  EXPECT_EQ(run(ledger.adjust("admin-1", gd::uuid_v7(), 5, "x")).error().code,
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
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_NE(report.violations[0].find("balance equals the sum"), std::string::npos);
  EXPECT_NE(report.violations[0].find(u + ", 11, 10"), std::string::npos) << report.violations[0];
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
