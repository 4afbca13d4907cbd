// The sync change log (migration 0007, docs/sync.md). Positions on PostgreSQL follow commit
// order: a transaction that began first but commits last is placed last, all of a
// transaction's rows share one position, rows rolled back to a savepoint leave nothing, and
// the clock a snapshot sees covers exactly the committed rows (plain libpq sessions drive
// it). Pruning moves the horizon and deletes below it in batches, on both back ends.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "db_fixture.hpp"
#include "sync/sync_service.hpp"

namespace gd {
namespace {

using testing::PgSession;

void change(PgSession& s, const std::string& record) {
  s.exec(
      "INSERT INTO sync_changes (audience, table_name, record_id, created) VALUES ('u', "
      "'projects', '" +
      record + "', 1)");
}

std::string pos_of(PgSession& s, const std::string& record) {
  return s.exec(
      "SELECT coalesce(string_agg(DISTINCT coalesce(pos::text, 'null'), ','), '') "
      "FROM sync_changes WHERE record_id = '" +
      record + "'");
}

TEST(SyncPositions, PostgresFollowCommitOrder) {
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempPostgres pg;
  PgSession first(pg.url), second(pg.url), reader(pg.url);

  first.exec("BEGIN");
  change(first, "a1");
  change(first, "a2");
  first.exec("SAVEPOINT s");
  change(first, "gone");
  first.exec("ROLLBACK TO SAVEPOINT s");
  EXPECT_EQ(pos_of(first, "a1"), "null") << "no position before commit";

  second.exec("BEGIN");
  change(second, "b");
  second.exec("COMMIT");
  const std::string b = pos_of(reader, "b");
  EXPECT_EQ(reader.exec("SELECT pos FROM sync_clock"), b);
  // Positions read as the commit time in epoch milliseconds.
  EXPECT_NEAR(static_cast<double>(std::stoll(b)), static_cast<double>(now_ms()), 60'000);

  // A snapshot taken now sees the clock at b and only b; first's rows come later, above it.
  reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  EXPECT_EQ(reader.exec("SELECT pos FROM sync_clock"), b);
  first.exec("COMMIT");
  EXPECT_EQ(reader.exec("SELECT count(*) FROM sync_changes"), "1");
  reader.exec("COMMIT");

  const std::string a = pos_of(reader, "a1");
  EXPECT_GT(std::stoll(a), std::stoll(b)) << "began first, committed last: placed last";
  EXPECT_EQ(pos_of(reader, "a2"), a) << "one position per transaction";
  EXPECT_EQ(pos_of(reader, "gone"), "");
  EXPECT_EQ(reader.exec("SELECT pos FROM sync_clock"), a);
  EXPECT_EQ(reader.exec("SELECT count(*) FROM sync_changes WHERE pos IS NULL"), "0");

  // A transaction that rolls back takes nothing; the next commit continues the count.
  first.exec("BEGIN");
  change(first, "never");
  first.exec("ROLLBACK");
  change(second, "c");  // autocommit
  EXPECT_EQ(pos_of(reader, "never"), "");
  EXPECT_GT(std::stoll(pos_of(reader, "c")), std::stoll(a));
}

TEST(SyncPositions, PostgresCommitWaitsForTheCommitThatTookTheClock) {
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempPostgres pg;
  PgSession first(pg.url), second(pg.url);
  // With the constraint made immediate, first takes its position now and holds the clock.
  first.exec("BEGIN");
  change(first, "x");
  first.exec("SET CONSTRAINTS sync_place IMMEDIATE");
  change(first, "y");  // written after the position was taken: gets the same one
  const std::string x = pos_of(first, "x");
  EXPECT_NE(x, "null");
  EXPECT_EQ(pos_of(first, "y"), x);
  // second's commit must wait for first's: send it without waiting for the answer.
  second.exec("BEGIN");
  change(second, "z");
  ASSERT_EQ(PQsendQuery(second.conn.get(), "COMMIT"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  PQconsumeInput(second.conn.get());
  EXPECT_EQ(PQisBusy(second.conn.get()), 1) << "blocked on the clock";
  first.exec("COMMIT");
  while (PGresult* r = PQgetResult(second.conn.get())) {
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
  }
  PgSession reader(pg.url);
  EXPECT_GT(std::stoll(pos_of(reader, "z")), std::stoll(x));
}

// Changes at 10, 20, ..., 100 with the clock at 100; then pruning in batches of 2.
Task<void> prune_in_batches(db::Database& db) {
  for (int p = 10; p <= 100; p += 10) {
    auto params = db::params(std::int64_t{p}, "r" + std::to_string(p));
    co_await db.write(
        "INSERT INTO sync_changes (pos, audience, table_name, record_id, created) VALUES ($1, "
        "'u', 'projects', $2, 1)",
        std::move(params));
  }
  co_await db.write("UPDATE sync_clock SET pos = 100");
  const auto horizon = [&]() -> Task<std::int64_t> {
    co_return (co_await db.read("SELECT horizon FROM sync_clock")).i64(0, 0);
  };
  const auto left = [&]() -> Task<std::int64_t> {
    co_return (co_await db.read("SELECT count(*) FROM sync_changes")).i64(0, 0);
  };
  EXPECT_EQ(co_await sync::prune_changes(db, 55, 2), 2u);
  EXPECT_EQ(co_await horizon(), 55);
  EXPECT_EQ(co_await sync::prune_changes(db, 55, 2), 2u);
  EXPECT_EQ(co_await sync::prune_changes(db, 55, 2), 1u) << "fewer than a batch: done";
  EXPECT_EQ(co_await left(), 5);
  EXPECT_EQ(co_await sync::prune_changes(db, 40, 2), 0u);
  EXPECT_EQ(co_await horizon(), 55) << "the horizon never moves down";
  EXPECT_EQ(co_await sync::prune_changes(db, 1'000'000, 100), 5u);
  EXPECT_EQ(co_await horizon(), 101) << "nor past the clock";
  EXPECT_EQ(co_await left(), 0);
}

TEST(SyncPrune, SqliteDeletesBelowTheHorizonInBatches) {
  testing::TempSqlite t;
  testing::run(t.ioc, prune_in_batches(*t.db));
}

TEST(SyncPrune, PostgresDeletesBelowTheHorizonInBatches) {
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempPostgres pg;
  auto db = pg.open();
  testing::run(pg.ioc, prune_in_batches(*db));
}

}  // namespace
}  // namespace gd
