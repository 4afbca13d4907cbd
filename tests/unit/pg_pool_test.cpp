// pg::Pool against a real PostgreSQL server named by GOODDEEDS_TEST_PG_URL (scripts/pg
// start prints one); every test is skipped without it. Each test uses tables of its own.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "store/pg.hpp"

namespace gd::pg {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const char* test_url() {
  return std::getenv("GOODDEEDS_TEST_PG_URL");
}

// Unique across tests and across concurrent runs of this executable against one server.
std::string fresh_table(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "pgtest_" + stem + "_" + std::to_string(::getpid()) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000) +
         "_" + std::to_string(counter++);
}

using db::PoolStats;
using db::Rows;
using Error = db::DbError;
using db::ErrorKind;

db::Value value(std::nullopt_t) {
  return db::null();
}
db::Value value(const char* s) {
  return std::string(s);
}
db::Value value(std::string s) {
  return s;
}
db::Value value(db::Value v) {
  return v;
}

// GCC 12 rejects a braced list ("array used as initializer") inside a co_await
// expression, so coroutine code builds its parameters through this.
template <class... A>
db::Params params(A&&... a) {
  return db::Params{value(std::forward<A>(a))...};
}

Task<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_url()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL is not set";
  }
  void TearDown() override {
    pool_.reset();  // before the io_context, whose executor the pool holds
    for (const auto& t : tables_) {
      SyncConn(test_url()).exec("DROP TABLE IF EXISTS " + t);
    }
  }

  std::shared_ptr<Pool> make_pool(std::size_t max_size, int timeout_ms = 5000) {
    PoolOptions o;
    o.conninfo = test_url();
    o.max_size = max_size;
    o.acquire_timeout_ms = timeout_ms;
    pool_ = Pool::create(ioc_.get_executor(), o);
    return pool_;
  }

  std::string table(const std::string& stem) {
    tables_.push_back(fresh_table(stem));
    return tables_.back();
  }

  // Runs one coroutine to completion on ioc_ (one thread) and returns its result.
  template <class F>
  auto run(F f) {
    auto fut = asio::co_spawn(ioc_, f(), asio::use_future);
    ioc_.restart();
    ioc_.run();
    return fut.get();
  }

  asio::io_context ioc_;
  std::shared_ptr<Pool> pool_;
  std::vector<std::string> tables_;
};

TEST_F(PgPoolTest, SelectWithParamsAndNulls) {
  auto pool = make_pool(2);
  run([&]() -> Task<void> {
    Rows r = co_await pool->exec(
        "SELECT $1::bigint + 1, $2::text, $3::text IS NULL, NULL::int, $4::float8, ''::text",
        params("41", "héllo", std::nullopt, "2.5"));
    EXPECT_EQ(r.size(), 1);
    EXPECT_EQ(r.i64(0, 0), 42);
    EXPECT_EQ(r.str(0, 1), "héllo");
    EXPECT_TRUE(r.boolean(0, 2));
    EXPECT_TRUE(r.is_null(0, 3));
    EXPECT_EQ(r.opt(0, 3), std::nullopt);
    EXPECT_EQ(r.text(0, 3), "");
    EXPECT_DOUBLE_EQ(r.f64(0, 4), 2.5);
    EXPECT_FALSE(r.is_null(0, 5));
    EXPECT_EQ(r.opt(0, 5), std::optional<std::string>(""));
    EXPECT_THROW((void)r.text(1, 0), std::out_of_range);
    EXPECT_THROW((void)r.i64(0, 1), std::runtime_error);

    Rows none = co_await pool->exec("SELECT 1 WHERE false");
    EXPECT_TRUE(none.empty());
  });
}

TEST_F(PgPoolTest, PreparedStatementReusedManyTimes) {
  auto pool = make_pool(1);
  const std::string t = table("prep");
  run([&]() -> Task<void> {
    Conn c = co_await pool->acquire();
    co_await c.exec("CREATE TABLE " + t + " (id int PRIMARY KEY, note text)");
    const std::string insert = "INSERT INTO " + t + " (id, note) VALUES ($1, $2)";
    for (int i = 0; i < 300; ++i) {
      // A named variable: GCC 12 mis-destroys a conditional's temporary inside co_await.
      db::Value note = i % 2 ? db::Value(std::string("odd")) : db::null();
      Rows r = co_await c.exec(insert, params(std::to_string(i), std::move(note)));
      EXPECT_EQ(r.affected(), 1);
    }
    Rows n = co_await c.exec("SELECT count(*), count(note) FROM " + t);
    EXPECT_EQ(n.i64(0, 0), 300);
    EXPECT_EQ(n.i64(0, 1), 150);
    // One prepared statement per distinct SQL text: the session settings made on connect,
    // CREATE, INSERT, the count, and this one.
    Rows p = co_await c.exec("SELECT count(*) FROM pg_prepared_statements");
    EXPECT_EQ(p.i64(0, 0), 5);
    Rows u = co_await c.exec("UPDATE " + t + " SET note = 'x' WHERE id < $1", params("10"));
    EXPECT_EQ(u.affected(), 10);
  });
}

TEST_F(PgPoolTest, ManyCoroutinesShareASmallPoolAcrossThreads) {
  auto pool = make_pool(4);
  const std::string t = table("conc");
  run([&]() -> Task<void> { co_await pool->exec("CREATE TABLE " + t + " (n int)"); });

  constexpr int kTasks = 200;
  std::atomic<int> correct{0}, failed{0};
  std::atomic<std::size_t> max_size{0}, max_waiting{0};
  for (int i = 0; i < kTasks; ++i) {
    // Each on its own strand, as the server runs each session.
    asio::co_spawn(
        asio::make_strand(ioc_),
        [&, i]() -> Task<void> {
          Conn c = co_await pool->acquire();
          const PoolStats s = pool->stats();
          max_size = std::max(max_size.load(), s.size);
          max_waiting = std::max(max_waiting.load(), s.waiting);
          co_await c.begin();
          co_await c.exec("INSERT INTO " + t + " VALUES ($1)", params(std::to_string(i)));
          Rows r = co_await c.exec("SELECT $1::int * 2, pg_sleep(0.001)::text",
                                   params(std::to_string(i)));
          if (i % 5 != 0) co_await c.commit();  // else dropped mid-transaction: rolled back
          if (r.i64(0, 0) == 2 * i) ++correct;
        },
        [&](std::exception_ptr e) {
          if (e) ++failed;
        });
  }
  ioc_.restart();
  std::thread other([&] { ioc_.run(); });
  ioc_.run();
  other.join();

  EXPECT_EQ(failed, 0);
  EXPECT_EQ(correct, kTasks);
  EXPECT_LE(max_size, 4u);
  EXPECT_GT(max_waiting, 0u);  // the pool really was contended
  const PoolStats s = pool->stats();
  EXPECT_EQ(s.in_use, 0u);
  EXPECT_EQ(s.waiting, 0u);
  run([&]() -> Task<void> {
    Rows r = co_await pool->exec("SELECT count(*), sum(n) FROM " + t);
    std::int64_t count = 0, sum = 0;
    for (int i = 0; i < kTasks; ++i) {
      if (i % 5 != 0) ++count, sum += i;
    }
    EXPECT_EQ(r.i64(0, 0), count);
    EXPECT_EQ(r.i64(0, 1), sum);
  });
}

TEST_F(PgPoolTest, CommitAndRollbackByDestroyingTheConn) {
  auto pool = make_pool(1);  // one connection: the rolled-back one must be the one reused
  const std::string t = table("tx");
  run([&]() -> Task<void> {
    co_await pool->exec("CREATE TABLE " + t + " (v text)");
    std::string pid;
    {
      Conn c = co_await pool->acquire();
      pid = (co_await c.exec("SELECT pg_backend_pid()")).str(0, 0);
      co_await c.begin("SERIALIZABLE");
      co_await c.exec("INSERT INTO " + t + " VALUES ($1)", params("committed"));
      co_await c.commit();
    }
    {
      Conn c = co_await pool->acquire();
      co_await c.begin();
      co_await c.exec("INSERT INTO " + t + " VALUES ($1)", params("explicit rollback"));
      co_await c.rollback();
    }
    {
      Conn c = co_await pool->acquire();
      co_await c.begin();
      co_await c.exec("INSERT INTO " + t + " VALUES ($1)", params("dropped"));
      // Destroyed mid-transaction.
    }
    Conn c = co_await pool->acquire();
    EXPECT_EQ((co_await c.exec("SELECT pg_backend_pid()")).str(0, 0), pid);
    // The dropped transaction had an xid (it inserted); a fresh implicit one has none.
    EXPECT_TRUE((co_await c.exec("SELECT pg_current_xact_id_if_assigned() IS NULL")).boolean(0, 0));
    Rows r = co_await c.exec("SELECT v FROM " + t + " ORDER BY v");
    EXPECT_EQ(r.size(), 1);
    EXPECT_EQ(r.str(0, 0), "committed");
    EXPECT_THROW(co_await c.begin("READ COMMITTED; DROP TABLE x"), std::invalid_argument);
  });
}

TEST_F(PgPoolTest, FailedStatementInTransactionIsRolledBackOnDrop) {
  auto pool = make_pool(1);
  const std::string t = table("txerr");
  run([&]() -> Task<void> {
    co_await pool->exec("CREATE TABLE " + t + " (id int PRIMARY KEY)");
    {
      Conn c = co_await pool->acquire();
      co_await c.begin();
      co_await c.exec("INSERT INTO " + t + " VALUES (1)");
      EXPECT_THROW(co_await c.exec("INSERT INTO " + t + " VALUES (1)"), Error);
    }  // the transaction is aborted (INERROR): still needs the rollback
    Rows r = co_await pool->exec("SELECT count(*) FROM " + t);
    EXPECT_EQ(r.i64(0, 0), 0);
  });
}

TEST_F(PgPoolTest, UniqueViolationIsReportedAndTheConnectionSurvives) {
  auto pool = make_pool(1);
  const std::string t = table("uniq");
  run([&]() -> Task<void> {
    co_await pool->exec("CREATE TABLE " + t + " (email text PRIMARY KEY)");
    co_await pool->exec("INSERT INTO " + t + " VALUES ($1)", params("a@example.org"));
    try {
      co_await pool->exec("INSERT INTO " + t + " VALUES ($1)", params("a@example.org"));
      ADD_FAILURE() << "expected a unique violation";
    } catch (const Error& e) {
      EXPECT_TRUE(e.unique_violation());
      EXPECT_EQ(e.sqlstate(), "23505");
    }
    try {
      co_await pool->exec("SELEC nonsense");
      ADD_FAILURE() << "expected a syntax error";
    } catch (const Error& e) {
      EXPECT_EQ(e.sqlstate(), "42601");
    }
    Rows r = co_await pool->exec("SELECT count(*) FROM " + t);
    EXPECT_EQ(r.i64(0, 0), 1);
    EXPECT_EQ(pool->stats().size, 1u);
  });
}

TEST_F(PgPoolTest, AcquireTimesOutWhenThePoolIsExhausted) {
  auto pool = make_pool(1, 150);
  run([&]() -> Task<void> {
    Conn held = co_await pool->acquire();
    const auto start = std::chrono::steady_clock::now();
    try {
      Conn c = co_await pool->acquire();
      ADD_FAILURE() << "expected a timeout";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
      EXPECT_TRUE(e.temporary());
    }
    EXPECT_GE(std::chrono::steady_clock::now() - start, 140ms);
    EXPECT_EQ(pool->stats().waiting, 0u);
    EXPECT_EQ(pool->stats().in_use, 1u);
  });
  // A waiter is served as soon as the holder lets go, well before the timeout.
  run([&]() -> Task<void> {
    auto ex = co_await asio::this_coro::executor;
    auto held = std::make_shared<Conn>(co_await pool->acquire());
    asio::co_spawn(
        ex,
        [held]() mutable -> Task<void> {
          co_await sleep_for(30ms);
          held.reset();
        },
        asio::detached);
    held.reset();  // the spawned coroutine now holds the only reference
    Rows r = co_await pool->exec("SELECT 7");
    EXPECT_EQ(r.i64(0, 0), 7);
  });
}

// The wait of every acquire lands in the histogram: one at once, one behind a holder for
// ~100 ms, one that times out after 150 ms.
TEST_F(PgPoolTest, AcquireWaitsAreObserved) {
  auto pool = make_pool(1, 150);
  // Connected before the count starts: the acquires below take the idle connection.
  run([&]() -> Task<void> { co_await pool->exec("SELECT 1"); });
  Histogram waits("w_seconds", "", "", {0.05, 0.5});
  pool->observe_waits(&waits);
  run([&]() -> Task<void> {
    auto ex = co_await asio::this_coro::executor;
    auto held = std::make_shared<Conn>(co_await pool->acquire());  // at once
    try {
      Conn c = co_await pool->acquire();  // times out
      ADD_FAILURE() << "expected a timeout";
    } catch (const Error&) {
    }
    asio::co_spawn(
        ex,
        [held]() mutable -> Task<void> {
          co_await sleep_for(100ms);
          held.reset();
        },
        asio::detached);
    held.reset();
    Conn c = co_await pool->acquire();  // behind the holder
  });
  std::string text;
  waits.render(text);
  EXPECT_NE(text.find("w_seconds_bucket{le=\"0.05\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("w_seconds_bucket{le=\"0.5\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("w_seconds_count 3\n"), std::string::npos) << text;
  const auto sum = std::stod(text.substr(text.find("w_seconds_sum ") + 14));
  EXPECT_GE(sum, 0.24) << text;  // 150 ms + 100 ms, give or take a timer's slack
}

TEST_F(PgPoolTest, KilledBackendFailsTheQueryAndThePoolRecovers) {
  auto pool = make_pool(2);
  run([&]() -> Task<void> {
    std::string pid;
    {
      Conn c = co_await pool->acquire();
      pid = (co_await c.exec("SELECT pg_backend_pid()")).str(0, 0);
      SyncConn admin(test_url());
      EXPECT_TRUE(admin.exec("SELECT pg_terminate_backend($1::int)", params(pid)).boolean(0, 0));
      for (int i = 0; i < 100; ++i) {  // until the backend has really gone
        if (admin.exec("SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", params(pid)).empty())
          break;
        co_await sleep_for(10ms);
      }
      try {
        co_await c.exec("SELECT 1");
        ADD_FAILURE() << "expected the query to fail";
      } catch (const Error& e) {
        EXPECT_EQ(e.sqlstate(), "08006") << e.what();
        EXPECT_TRUE(e.connection_lost());
      }
    }
    EXPECT_EQ(pool->stats().size, 0u);  // discarded, not returned
    Conn c = co_await pool->acquire();
    Rows r = co_await c.exec("SELECT pg_backend_pid()");
    EXPECT_NE(r.str(0, 0), pid);
  });
}

// A request whose client hung up is cancelled (Asio cancellation) while its statement runs:
// the server must stop the statement at once, not run it for nobody, and the connection
// comes back to the pool.
TEST_F(PgPoolTest, QueryAbandonedInFlightIsCancelledOnTheServer) {
  auto pool = make_pool(1);
  asio::cancellation_signal cancel;
  std::exception_ptr error;
  std::string pid;
  asio::co_spawn(
      ioc_,
      [&]() -> Task<void> {
        Conn c = co_await pool->acquire();
        pid = (co_await c.exec("SELECT pg_backend_pid()")).str(0, 0);
        co_await c.begin();
        co_await c.exec("SELECT pg_sleep(30) /* abandoned */");
      },
      asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) { error = e; }));
  asio::co_spawn(
      ioc_,
      [&]() -> Task<void> {
        co_await sleep_for(200ms);
        cancel.emit(asio::cancellation_type::terminal);
      },
      asio::detached);
  auto work = asio::make_work_guard(ioc_);
  std::thread io([&] { ioc_.run(); });
  SyncConn admin(test_url());
  const auto running = [&] {
    return !admin
                .exec(
                    "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%/* abandoned */' "
                    "AND pid <> pg_backend_pid()")
                .empty();
  };
  for (int i = 0; i < 100 && !running(); ++i) std::this_thread::sleep_for(10ms);
  const auto start = std::chrono::steady_clock::now();
  while (running() && std::chrono::steady_clock::now() - start < 5s)
    std::this_thread::sleep_for(10ms);
  const auto took = std::chrono::steady_clock::now() - start;
  while (pool->stats().in_use != 0 && std::chrono::steady_clock::now() - start < 10s)
    std::this_thread::sleep_for(10ms);
  work.reset();
  io.join();
  EXPECT_LT(took, 1s) << "the abandoned statement kept running on the server";
  EXPECT_TRUE(error);
  EXPECT_EQ(pool->stats().size, 1u);  // recovered, not discarded
  run([&]() -> Task<void> {
    Rows r =
        co_await pool->exec("SELECT pg_backend_pid(), pg_current_xact_id_if_assigned() IS NULL");
    EXPECT_EQ(r.str(0, 0), pid);
    EXPECT_TRUE(r.boolean(0, 1));  // the transaction was rolled back
  });
}

// pg_terminate_backend (or a server restart) closes idle pooled connections; the next
// users must get working ones, not an error each.
TEST_F(PgPoolTest, ConnectionsClosedByTheServerAreReplacedBeforeUse) {
  auto pool = make_pool(3);
  std::vector<std::string> pids;
  run([&]() -> Task<void> {
    Conn a = co_await pool->acquire(), b = co_await pool->acquire(), c = co_await pool->acquire();
    for (Conn* conn : {&a, &b, &c})
      pids.push_back((co_await conn->exec("SELECT pg_backend_pid()")).str(0, 0));
  });
  SyncConn admin(test_url());
  for (const auto& pid : pids) admin.exec("SELECT pg_terminate_backend($1::int)", params(pid));
  for (int i = 0; i < 200; ++i) {
    if (admin
            .exec("SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])",
                  params("{" + pids[0] + "," + pids[1] + "," + pids[2] + "}"))
            .empty())
      break;
    std::this_thread::sleep_for(10ms);
  }
  run([&]() -> Task<void> {
    for (int i = 0; i < 6; ++i) {
      Rows r = co_await pool->exec("SELECT pg_backend_pid()");
      EXPECT_EQ(std::count(pids.begin(), pids.end(), r.str(0, 0)), 0);
    }
  });
}

TEST_F(PgPoolTest, StatementTimeoutEndsALongStatement) {
  PoolOptions o;
  o.conninfo = test_url();
  o.max_size = 1;
  o.statement_timeout_ms = 100;
  pool_ = Pool::create(ioc_.get_executor(), o);
  run([&]() -> Task<void> {
    try {
      co_await pool_->exec("SELECT pg_sleep(5)");
      ADD_FAILURE() << "expected the statement timeout";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kTimedOut) << e.what();
      EXPECT_TRUE(e.temporary());
    }
    EXPECT_EQ((co_await pool_->exec("SELECT 1")).i64(0, 0), 1);
  });
}

// Stores see a serialization failure as its own kind, not as an anonymous failure.
TEST_F(PgPoolTest, SerializationFailureIsItsOwnKind) {
  auto pool = make_pool(2);
  const std::string t = table("ser");
  run([&]() -> Task<void> {
    co_await pool->exec("CREATE TABLE " + t + " (id int PRIMARY KEY, n int)");
    co_await pool->exec("INSERT INTO " + t + " VALUES (1, 0)");
    Conn a = co_await pool->acquire();
    co_await a.begin("REPEATABLE READ");
    co_await a.exec("SELECT n FROM " + t + " WHERE id = 1");  // takes the snapshot
    co_await pool->exec("UPDATE " + t + " SET n = n + 1 WHERE id = 1");
    try {
      co_await a.exec("UPDATE " + t + " SET n = n + 1 WHERE id = 1");
      ADD_FAILURE() << "expected a serialization failure";
    } catch (const Error& e) {
      EXPECT_TRUE(e.serialization_failure()) << e.what();
      EXPECT_EQ(e.sqlstate(), "40001");
      EXPECT_FALSE(e.unique_violation());
    }
  });
  EXPECT_EQ(kind_of("40P01"), ErrorKind::kSerializationFailure);
  EXPECT_EQ(kind_of("23505"), ErrorKind::kUniqueViolation);
  EXPECT_EQ(kind_of("08006"), ErrorKind::kConnectionLost);
  EXPECT_EQ(kind_of("42601"), ErrorKind::kOther);
}

TEST_F(PgPoolTest, ConnectFailureFreesTheSlot) {
  PoolOptions o;
  o.conninfo = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2";
  o.max_size = 1;
  pool_ = Pool::create(ioc_.get_executor(), o);
  run([&]() -> Task<void> {
    for (int i = 0; i < 2; ++i) {
      try {
        co_await pool_->exec("SELECT 1");
        ADD_FAILURE() << "expected a connection failure";
      } catch (const Error& e) {
        EXPECT_EQ(e.sqlstate(), "08001");
        EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
      }
      EXPECT_EQ(pool_->stats().size, 0u);
    }
  });
}

TEST_F(PgPoolTest, SyncConnRunsStatementsAndReportsErrors) {
  const std::string t = table("sync");
  SyncConn c(test_url());
  c.exec("CREATE TABLE " + t + " (id int PRIMARY KEY, v text); INSERT INTO " + t +
         " VALUES (1, 'one')");
  Rows r = c.exec("SELECT v, $1::text FROM " + t + " WHERE id = $2", params(std::nullopt, "1"));
  ASSERT_EQ(r.size(), 1);
  EXPECT_EQ(r.str(0, 0), "one");
  EXPECT_TRUE(r.is_null(0, 1));
  try {
    c.exec("INSERT INTO " + t + " VALUES ($1, $2)", params("1", "again"));
    ADD_FAILURE() << "expected a unique violation";
  } catch (const Error& e) {
    EXPECT_TRUE(e.unique_violation());
  }
  EXPECT_THROW(SyncConn("postgres://nobody@127.0.0.1:1/none"), Error);
}

}  // namespace
}  // namespace gd::pg
