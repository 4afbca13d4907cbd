// BatchedLookup against a live PostgreSQL: concurrent lookups on one thread share queries and
// each gets its own row (or none), keys that need quoting in an array literal included, and
// a failing query fails every lookup of its batch.
#include "store/batched_lookup.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <vector>

#include "db_fixture.hpp"

namespace gd {
namespace {

// Coroutines take what they use as parameters (a capturing lambda would dangle once the
// loop that spawned it moved on).
Task<void> look_up(db::BatchedLookup& lookup, int key, std::optional<std::string>& out, int& done) {
  auto rows = co_await lookup.get("key \"" + std::to_string(key) + "\\");
  if (!rows.empty()) out = rows.str(0, 1);
  ++done;
}

Task<void> fail_once(db::BatchedLookup& lookup, int& failed) {
  try {
    co_await lookup.get("x");
  } catch (const std::exception&) {
    ++failed;
  }
}

TEST(PgTextArray, QuotesAndEscapes) {
  EXPECT_EQ(db::pg_text_array({}), "{}");
  EXPECT_EQ(db::pg_text_array({"a", "b c", "q\"u", "b\\s", "{,}"}),
            R"({"a","b c","q\"u","b\\s","{,}"})");
}

TEST(BatchedLookup, PostgresCoalescesConcurrentLookups) {
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempPostgres pg;
  auto db = pg.open(4);
  testing::run(pg.ioc, [&]() -> Task<void> {
    co_await db->write("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, gone INTEGER)");
    for (int i = 0; i < 100; ++i) {
      auto p = db::params("key \"" + std::to_string(i) + "\\", "value " + std::to_string(i),
                          std::int64_t{i % 10 == 0});
      co_await db->write("INSERT INTO kv VALUES ($1, $2, $3)", std::move(p));
    }
  }());
  db::BatchedLookup lookup(*db, "SELECT k, v FROM kv WHERE gone = 0", "k", 0);
  constexpr int kLookups = 200;
  std::vector<std::optional<std::string>> got(kLookups);
  int done = 0;
  for (int i = 0; i < kLookups; ++i) {
    // Every key twice, plus ones that do not exist (key 100..199).
    const int key = i % 2 ? i / 2 : i;
    boost::asio::co_spawn(pg.ioc, look_up(lookup, key, got[static_cast<std::size_t>(i)], done),
                          boost::asio::detached);
  }
  pg.ioc.restart();
  pg.ioc.run();
  ASSERT_EQ(done, kLookups);
  for (int i = 0; i < kLookups; ++i) {
    const int key = i % 2 ? i / 2 : i;
    const bool there = key < 100 && key % 10 != 0;
    EXPECT_EQ(got[static_cast<std::size_t>(i)],
              there ? std::optional<std::string>("value " + std::to_string(key)) : std::nullopt)
        << i;
  }
  EXPECT_LE(lookup.queries(), 3u) << "one query for the first lookup, one for the rest";
}

TEST(BatchedLookup, PostgresFailureReachesEveryLookupOfTheBatch) {
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempPostgres pg;
  auto db = pg.open();
  db::BatchedLookup lookup(*db, "SELECT k FROM no_such_table WHERE true", "k", 0);
  int failed = 0;
  for (int i = 0; i < 10; ++i)
    boost::asio::co_spawn(pg.ioc, fail_once(lookup, failed), boost::asio::detached);
  pg.ioc.restart();
  pg.ioc.run();
  EXPECT_EQ(failed, 10);
}

}  // namespace
}  // namespace gd
