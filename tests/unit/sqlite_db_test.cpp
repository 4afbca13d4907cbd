// The SQLite back end through the db::Database interface: migrations, placeholders, reads and
// writes, transactions and concurrency from coroutines.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/ids.hpp"
#include "store/db.hpp"
#include "store/open.hpp"
#include "store/sqlite_db.hpp"

namespace {

namespace fs = std::filesystem;
using gd::Task;
using gd::db::Database;
using gd::db::DbError;
using gd::db::params;
using gd::db::Rows;
using gd::db::Tx;

// A fresh directory per test, removed afterwards (with the -wal and -shm files).
class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("gooddeeds-test-" + gd::uuid_v4())) {
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string url(const std::string& name = "test.db") const {
    return "sqlite:" + (path_ / name).string();
  }
  fs::path file(const std::string& name = "test.db") const { return path_ / name; }

 private:
  fs::path path_;
};

// use_future needs a default-constructible result, which Result<T> is not: wrap it.
template <class T>
Task<std::optional<T>> wrap(Task<T> task) {
  co_return co_await std::move(task);
}

template <class T>
T run(boost::asio::io_context& ioc, Task<T> task) {
  if constexpr (std::is_void_v<T>) {
    auto f = boost::asio::co_spawn(ioc, std::move(task), boost::asio::use_future);
    ioc.restart();
    ioc.run();
    f.get();
  } else {
    auto f = boost::asio::co_spawn(ioc, wrap(std::move(task)), boost::asio::use_future);
    ioc.restart();
    ioc.run();
    return std::move(*f.get());
  }
}

class SqliteDb : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GT(gd::db::migrate(dir_.url()), 0);
    db_ = gd::db::open_database(ioc_.get_executor(), {dir_.url(), 4});
    ASSERT_NE(db_, nullptr);
    exec_write("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n INTEGER, f REAL)");
    exec_write("CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    exec_write("INSERT INTO counters (id, n) VALUES (1, 0)");
  }

  Rows exec_write(std::string sql, gd::db::Params p = {}) {
    return run(ioc_, db_->write(std::move(sql), std::move(p)));
  }
  Rows exec_read(std::string sql, gd::db::Params p = {}) {
    return run(ioc_, db_->read(std::move(sql), std::move(p)));
  }
  std::int64_t count(const std::string& table) {
    return exec_read("SELECT count(*) FROM " + table).i64(0, 0);
  }

  TempDir dir_;
  boost::asio::io_context ioc_;
  std::unique_ptr<Database> db_;
};

// ---- migrations ---------------------------------------------------------------------------

TEST(SqliteMigrate, CreatesSchemaAndIsIdempotent) {
  TempDir dir;
  const int applied = gd::db::migrate(dir.url("nested/dir/app.db"));
  EXPECT_GE(applied, 2);  // 0001_users_sessions, 0002_point_transactions, ...
  EXPECT_TRUE(fs::exists(dir.file("nested/dir/app.db")));
  EXPECT_EQ(gd::db::migrate(dir.url("nested/dir/app.db")), 0);
  EXPECT_EQ(gd::db::migrate(dir.url("nested/dir/app.db")), 0);

  gd::db::SqliteConn conn(dir.file("nested/dir/app.db").string(), true, 1000);
  const auto tables =
      conn.run("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", {});
  std::set<std::string> names;
  for (int r = 0; r < tables.size(); ++r) names.insert(tables.str(r, 0));
  for (const char* t :
       {"schema_migrations", "users", "sessions", "refresh_tokens", "point_transactions"})
    EXPECT_TRUE(names.count(t)) << "missing table " << t;

  const auto versions =
      conn.run("SELECT version, name FROM schema_migrations ORDER BY version", {});
  ASSERT_EQ(versions.size(), applied);
  EXPECT_EQ(versions.i64(0, 0), 1);
  EXPECT_EQ(versions.str(0, 1), "0001_users_sessions.sql");
  EXPECT_EQ(versions.i64(1, 0), 2);
}

TEST(SqliteMigrate, UsesWalJournal) {
  TempDir dir;
  ASSERT_GT(gd::db::migrate(dir.url()), 0);
  gd::db::SqliteConn conn(dir.file().string(), false, 1000);
  EXPECT_EQ(conn.run("PRAGMA journal_mode", {}).str(0, 0), "wal");
}

// ---- placeholders and URLs -----------------------------------------------------------------

TEST(SqlitePlaceholders, RewritesNumberedPlaceholders) {
  using gd::db::sqlite_placeholders;
  EXPECT_EQ(sqlite_placeholders("SELECT * FROM users WHERE id = $1"),
            "SELECT * FROM users WHERE id = ?1");
  EXPECT_EQ(sqlite_placeholders("VALUES ($1,$2, $10, $12)"), "VALUES (?1,?2, ?10, ?12)");
  EXPECT_EQ(sqlite_placeholders("SELECT 1"), "SELECT 1");
  EXPECT_EQ(sqlite_placeholders(""), "");
}

TEST(SqlitePlaceholders, LeavesStringLiteralsAlone) {
  using gd::db::sqlite_placeholders;
  EXPECT_EQ(sqlite_placeholders("SELECT '$1', $1"), "SELECT '$1', ?1");
  EXPECT_EQ(sqlite_placeholders("SELECT 'it''s $2' || $1"), "SELECT 'it''s $2' || ?1");
  EXPECT_EQ(sqlite_placeholders("WHERE note = 'costs $5' AND id = $2"),
            "WHERE note = 'costs $5' AND id = ?2");
}

TEST(SqlitePlaceholders, LeavesDollarWithoutDigitsAlone) {
  using gd::db::sqlite_placeholders;
  EXPECT_EQ(sqlite_placeholders("SELECT $"), "SELECT $");
  EXPECT_EQ(sqlite_placeholders("SELECT $a, $ 1"), "SELECT $a, $ 1");
}

TEST(DbUrl, SqlitePathsAndPostgresDetection) {
  EXPECT_EQ(gd::db::sqlite_path("sqlite:data/app.db"), "data/app.db");
  EXPECT_EQ(gd::db::sqlite_path("sqlite:/var/lib/app.db"), "/var/lib/app.db");
  EXPECT_EQ(gd::db::sqlite_path("sqlite://data/app.db"), "data/app.db");
  EXPECT_EQ(gd::db::sqlite_path("sqlite:///var/lib/app.db"), "/var/lib/app.db");
  EXPECT_THROW(gd::db::sqlite_path("sqlite:"), std::invalid_argument);
  EXPECT_THROW(gd::db::sqlite_path("mysql://localhost/db"), std::invalid_argument);
  EXPECT_TRUE(gd::db::is_postgres_url("postgres://u@localhost/db"));
  EXPECT_TRUE(gd::db::is_postgres_url("postgresql://u@localhost/db"));
  EXPECT_FALSE(gd::db::is_postgres_url("sqlite:postgres://x"));
}

// ---- Database on SQLite ---------------------------------------------------------------------

TEST_F(SqliteDb, ReportsSqliteDialectAndPings) {
  EXPECT_EQ(db_->dialect(), gd::db::Dialect::kSqlite);
  EXPECT_TRUE(run(ioc_, db_->ping()));
}

TEST_F(SqliteDb, WriteThenReadRoundTripsEveryValueType) {
  const auto ins =
      exec_write("INSERT INTO kv (k, v, n, f) VALUES ($1, $2, $3, $4)",
                 params("a", std::string("Zoë 🙂 'quoted'"), std::int64_t{-42}, 2.5));
  EXPECT_EQ(ins.affected(), 1);
  exec_write("INSERT INTO kv (k, v, n, f) VALUES ($1, $2, $3, $4)",
             params("b", gd::db::null(), gd::db::null(), gd::db::null()));

  const auto rows = exec_read("SELECT k, v, n, f FROM kv ORDER BY k");
  ASSERT_EQ(rows.size(), 2);
  EXPECT_EQ(rows.str(0, 0), "a");
  EXPECT_EQ(rows.str(0, 1), "Zoë 🙂 'quoted'");
  EXPECT_EQ(rows.i64(0, 2), -42);
  EXPECT_DOUBLE_EQ(rows.f64(0, 3), 2.5);
  EXPECT_FALSE(rows.is_null(0, 1));
  EXPECT_TRUE(rows.is_null(1, 1));
  EXPECT_TRUE(rows.is_null(1, 2));
  EXPECT_EQ(rows.opt(1, 3), std::nullopt);
  EXPECT_EQ(rows.text(1, 1), "");
}

// SQLite's "connection wait" is the writer queue: a write behind a 100 ms transaction waits
// for it; a read never queues.
TEST_F(SqliteDb, WriterQueueWaitsAreObserved) {
  gd::Histogram waits("w_seconds", "", "", {0.05, 0.5});
  db_->observe_waits(&waits);
  auto slow = boost::asio::co_spawn(ioc_, db_->transact([](Tx& tx) -> Task<bool> {
    co_await tx.exec("INSERT INTO kv (k) VALUES ('slow')");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    co_return true;
  }),
                                    boost::asio::use_future);
  auto queued = boost::asio::co_spawn(ioc_, db_->write("INSERT INTO kv (k) VALUES ('queued')"),
                                      boost::asio::use_future);
  ioc_.restart();
  ioc_.run();
  slow.get();
  queued.get();
  exec_read("SELECT count(*) FROM kv");
  std::string text;
  waits.render(text);
  EXPECT_NE(text.find("w_seconds_count 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("w_seconds_bucket{le=\"0.05\"} 1\n"), std::string::npos) << text;
  const auto sum = std::stod(text.substr(text.find("w_seconds_sum ") + 14));
  EXPECT_GE(sum, 0.09) << text;
}

TEST_F(SqliteDb, PlaceholderCanBeReused) {
  const auto rows = exec_read("SELECT $1 + $1, $2", params(std::int64_t{21}, "x"));
  EXPECT_EQ(rows.i64(0, 0), 42);
  EXPECT_EQ(rows.str(0, 1), "x");
}

TEST_F(SqliteDb, AffectedCountsUpdatedRows) {
  for (int i = 0; i < 3; ++i)
    exec_write("INSERT INTO kv (k, n) VALUES ($1, 0)", params("k" + std::to_string(i)));
  EXPECT_EQ(exec_write("UPDATE kv SET n = n + 1").affected(), 3);
  EXPECT_EQ(exec_write("UPDATE kv SET n = 9 WHERE k = $1", params("nope")).affected(), 0);
}

TEST_F(SqliteDb, TransactionCommits) {
  run(ioc_, db_->transact([](Tx& tx) -> Task<bool> {
    co_await tx.exec("INSERT INTO kv (k, v) VALUES ($1, $2)", params("t1", "one"));
    co_await tx.exec("INSERT INTO kv (k, v) VALUES ($1, $2)", params("t2", "two"));
    const auto seen = co_await tx.exec("SELECT count(*) FROM kv");
    EXPECT_EQ(seen.i64(0, 0), 2);  // the transaction sees its own writes
    co_return true;
  }));
  EXPECT_EQ(count("kv"), 2);
}

TEST_F(SqliteDb, TransactionRollsBackWhenBodyReturnsFalse) {
  exec_write("INSERT INTO kv (k, v) VALUES ('before', 'x')");
  run(ioc_, db_->transact([](Tx& tx) -> Task<bool> {
    co_await tx.exec("INSERT INTO kv (k, v) VALUES ($1, $2)", params("t1", "one"));
    co_await tx.exec("DELETE FROM kv WHERE k = 'before'");
    co_return false;
  }));
  const auto rows = exec_read("SELECT k FROM kv");
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(rows.str(0, 0), "before");
}

TEST_F(SqliteDb, TransactionRollsBackAndRethrowsWhenBodyThrows) {
  EXPECT_THROW(run(ioc_, db_->transact([](Tx& tx) -> Task<bool> {
                 co_await tx.exec("INSERT INTO kv (k) VALUES ('dup')");
                 co_await tx.exec("INSERT INTO kv (k) VALUES ('dup')");  // primary key violation
                 co_return true;
               })),
               DbError);
  EXPECT_EQ(count("kv"), 0);
  // The writer is usable afterwards: no transaction left open.
  run(ioc_, db_->transact([](Tx& tx) -> Task<bool> {
    co_await tx.exec("INSERT INTO kv (k) VALUES ('after')");
    co_return true;
  }));
  EXPECT_EQ(count("kv"), 1);
}

TEST_F(SqliteDb, ResultTransactionCommitsOnOkAndRollsBackOnError) {
  auto ok = run(ioc_, db_->transaction<int>([](Tx& tx) -> Task<gd::Result<int>> {
    co_await tx.exec("INSERT INTO kv (k) VALUES ('kept')");
    co_return 7;
  }));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  const auto err = run(ioc_, db_->transaction<int>([](Tx& tx) -> Task<gd::Result<int>> {
    co_await tx.exec("INSERT INTO kv (k) VALUES ('dropped')");
    co_return gd::make_error(gd::ErrorCode::kInsufficientPoints, "no");
  }));
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code, gd::ErrorCode::kInsufficientPoints);
  const auto rows = exec_read("SELECT k FROM kv");
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(rows.str(0, 0), "kept");
}

TEST_F(SqliteDb, UniqueViolationIsDbErrorWithUniqueViolation) {
  const auto insert_user = [&](const std::string& id, const std::string& email) {
    return exec_write(
        "INSERT INTO users (id, email, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        params(id, email, "Ada", std::int64_t{1'700'000'000'000}));
  };
  insert_user(gd::uuid_v7(), "ada@example.com");
  try {
    insert_user(gd::uuid_v7(), "ada@example.com");
    FAIL() << "a duplicate email was accepted";
  } catch (const DbError& e) {
    EXPECT_TRUE(e.unique_violation()) << e.what();
  }
  // A duplicate primary key is a unique violation too.
  exec_write("INSERT INTO kv (k) VALUES ('same')");
  try {
    exec_write("INSERT INTO kv (k) VALUES ('same')");
    FAIL() << "a duplicate key was accepted";
  } catch (const DbError& e) {
    EXPECT_TRUE(e.unique_violation()) << e.what();
  }
  EXPECT_EQ(count("users"), 1);
}

TEST_F(SqliteDb, OtherFailuresAreNotUniqueViolations) {
  try {
    exec_write("INSERT INTO users (id, email) VALUES ('x', 'x@example.com')");  // name NOT NULL
    FAIL() << "a NOT NULL violation was accepted";
  } catch (const DbError& e) {
    EXPECT_FALSE(e.unique_violation()) << e.what();
  }
  try {
    exec_read("SELEKT 1");
    FAIL() << "a syntax error was accepted";
  } catch (const DbError& e) {
    EXPECT_FALSE(e.unique_violation()) << e.what();
  }
}

TEST_F(SqliteDb, FiftyConcurrentTransactionsAllCommit) {
  // Read-modify-write in every transaction: a lost update would show as a short count.
  boost::asio::io_context ioc;  // a separate context, run by two threads
  constexpr int kTx = 50;
  std::vector<std::future<void>> done;
  for (int i = 0; i < kTx; ++i) {
    done.push_back(boost::asio::co_spawn(
        ioc,
        [db = db_.get(), i]() -> Task<void> {
          co_await db->transact([i](Tx& tx) -> Task<bool> {
            const auto cur = co_await tx.exec("SELECT n FROM counters WHERE id = 1");
            const auto n = cur.i64(0, 0);
            co_await tx.exec("UPDATE counters SET n = $1 WHERE id = 1", params(n + 1));
            co_await tx.exec("INSERT INTO kv (k, n) VALUES ($1, $2)",
                             params("tx-" + std::to_string(i), n));
            co_return true;
          });
          // A read from the I/O thread after the commit sees it.
          const auto mine = co_await db->read("SELECT count(*) FROM kv WHERE k = $1",
                                              params("tx-" + std::to_string(i)));
          EXPECT_EQ(mine.i64(0, 0), 1);
        },
        boost::asio::use_future));
  }
  std::thread second([&ioc] { ioc.run(); });
  ioc.run();
  second.join();
  for (auto& f : done) EXPECT_NO_THROW(f.get());

  EXPECT_EQ(exec_read("SELECT n FROM counters WHERE id = 1").i64(0, 0), kTx);
  EXPECT_EQ(count("kv"), kTx);
  // Every transaction saw a distinct counter value: they were serialised.
  EXPECT_EQ(exec_read("SELECT count(DISTINCT n), min(n), max(n) FROM kv").i64(0, 0), kTx);
  EXPECT_EQ(exec_read("SELECT max(n) FROM kv").i64(0, 0), kTx - 1);
}

TEST_F(SqliteDb, ConcurrentWritesFromTwoThreadsAllLand) {
  boost::asio::io_context ioc;
  constexpr int kWrites = 100;
  std::vector<std::future<gd::db::Rows>> done;
  for (int i = 0; i < kWrites; ++i)
    done.push_back(boost::asio::co_spawn(
        ioc, db_->write("UPDATE counters SET n = n + 1 WHERE id = 1"), boost::asio::use_future));
  std::thread second([&ioc] { ioc.run(); });
  ioc.run();
  second.join();
  for (auto& f : done) EXPECT_EQ(f.get().affected(), 1);
  EXPECT_EQ(exec_read("SELECT n FROM counters WHERE id = 1").i64(0, 0), kWrites);
}

}  // namespace

// Another process holding the write lock past the busy timeout makes a transaction fail with
// an error, not a crash, and the database works again once the lock is gone.
TEST(SqliteBusy, TransactionThatCannotBeginFailsCleanly) {
  TempDir dir;
  ASSERT_GT(gd::db::migrate(dir.url()), 0);
  boost::asio::io_context ioc;
  auto db = gd::db::open_database(ioc.get_executor(), {dir.url(), 2, 100});
  auto other = std::make_unique<gd::db::SqliteConn>(dir.url().substr(7), false, 100);
  other->exec_script("BEGIN IMMEDIATE");
  const auto body = [](Tx& tx) -> Task<bool> {
    co_await tx.exec("UPDATE users SET name = name WHERE id = 'none'");
    co_return true;
  };
  EXPECT_THROW(run(ioc, db->transact(body)), DbError);
  other->exec_script("ROLLBACK");
  EXPECT_NO_THROW(run(ioc, db->transact(body)));
}
