// The task event outbox relay: order, batching, exactly one delivery per event across two
// relays on one PostgreSQL database, a failing subscriber, and the polling loop.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db_fixture.hpp"
#include "store/open.hpp"
#include "tasks/events.hpp"

namespace {

using gd::Task;
using namespace gd::tasks;

using gd::testing::run;
using SqliteDb = gd::testing::TempSqlite;

// n events with increasing creation times; returns their ids in order.
std::vector<std::string> add_events(boost::asio::io_context& ioc, gd::db::Database& db, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(gd::uuid_v7());
    run(ioc, db.write("INSERT INTO task_events (id, task_id, type, recipient_id, created_at) "
                      "VALUES ($1, 't', 'task.accepted', 'u', $2)",
                      gd::db::params(ids.back(), std::int64_t{1000 + i})));
  }
  return ids;
}

TEST(TaskEvents, RelayDeliversInOrderInBatchesOnce) {
  SqliteDb s;
  const auto ids = add_events(s.ioc, *s.db, 250);
  EventBus bus;
  std::vector<std::string> seen;
  int after_failure = 0;
  bus.subscribe([&ids](const TaskEvent& e) {
    if (e.id == ids[1]) throw std::runtime_error("subscriber down");
  });
  bus.subscribe([&](const TaskEvent& e) {
    seen.push_back(e.id);
    ++after_failure;
  });
  OutboxRelay relay(*s.db, bus, std::chrono::milliseconds(10), 100);
  EXPECT_EQ(run(s.ioc, relay.deliver_batch()), 100u);
  EXPECT_EQ(run(s.ioc, relay.deliver_batch()), 100u);
  EXPECT_EQ(run(s.ioc, relay.deliver_batch()), 50u);
  EXPECT_EQ(run(s.ioc, relay.deliver_batch()), 0u);
  EXPECT_EQ(seen, ids);  // oldest first, each once, despite the failing subscriber
  EXPECT_EQ(after_failure, 250);
  const auto left = run(s.ioc, s.db->read("SELECT count(*) FROM task_events WHERE delivered_at "
                                          "IS NULL",
                                          {}));
  EXPECT_EQ(left.i64(0, 0), 0);
}

TEST(TaskEvents, PollingLoopPicksUpNewEvents) {
  SqliteDb s;
  EventBus bus;
  std::vector<std::string> seen;
  OutboxRelay relay(*s.db, bus, std::chrono::milliseconds(20));
  bus.subscribe([&](const TaskEvent& e) {
    seen.push_back(e.id);
    if (seen.size() == 3) relay.stop();
  });
  relay.start(s.ioc.get_executor());
  // Events written while the loop is already waiting.
  std::vector<std::string> ids;
  const auto writer = [&]() -> Task<void> {
    boost::asio::steady_timer t(s.ioc, std::chrono::milliseconds(50));
    co_await t.async_wait(boost::asio::use_awaitable);
    for (std::int64_t i = 0; i < 3; ++i) {
      ids.push_back(gd::uuid_v7());
      co_await s.db->write(
          "INSERT INTO task_events (id, task_id, type, recipient_id, created_at) VALUES ($1, "
          "'t', 'task.started', 'u', $2)",
          gd::db::params(ids.back(), i));
    }
  };
  boost::asio::co_spawn(s.ioc, writer(), boost::asio::detached);
  s.ioc.run_for(std::chrono::seconds(5));  // returns early once the stopped loop ends
  EXPECT_EQ(seen, ids);
}

TEST(TaskEvents, TwoRelaysOnOnePostgresDeliverEachEventOnce) {
  if (!gd::testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL is not set";
  gd::testing::TempPostgres pg;
  auto& ioc = pg.ioc;
  {
    auto db1 = pg.open();
    auto db2 = pg.open();
    const auto ids = add_events(ioc, *db1, 400);
    EventBus bus;
    std::map<std::string, int> times;
    bus.subscribe([&](const TaskEvent& e) { ++times[e.id]; });
    OutboxRelay r1(*db1, bus, std::chrono::milliseconds(10), 7);
    OutboxRelay r2(*db2, bus, std::chrono::milliseconds(10), 7);
    const auto drain = [](OutboxRelay* r) -> Task<std::size_t> {
      std::size_t total = 0;
      for (;;) {
        const auto n = co_await r->deliver_batch();
        if (n == 0) co_return total;
        total += n;
      }
    };
    auto f1 = boost::asio::co_spawn(ioc, drain(&r1), boost::asio::use_future);
    auto f2 = boost::asio::co_spawn(ioc, drain(&r2), boost::asio::use_future);
    ioc.restart();
    ioc.run();
    const auto n1 = f1.get(), n2 = f2.get();
    EXPECT_EQ(n1 + n2, ids.size());
    EXPECT_EQ(times.size(), ids.size());
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
  }
}

}  // namespace
