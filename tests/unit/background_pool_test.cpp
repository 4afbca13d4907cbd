// BackgroundPool: its threads run at the nice levels asked for (--hash-nice), and a job goes
// to a normal-priority thread first, to a low-priority one only when those are all busy.
#include "core/background_pool.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <latch>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace {

struct Seen {
  int nice = 0;
  pid_t tid = 0;
};

// The nice level and thread id of whichever pool thread runs the job.
gd::Task<std::vector<Seen>> ask(gd::BackgroundPool& pool, int jobs) {
  std::vector<Seen> out;
  for (int i = 0; i < jobs; ++i) {
    auto job = [] {
      return Seen{getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), gettid()};
    };
    auto seen = co_await pool.run(std::move(job));
    if (seen) out.push_back(*seen);
  }
  co_return out;
}

std::vector<Seen> run_jobs(gd::BackgroundPool& pool, int jobs) {
  boost::asio::io_context ioc;
  auto f = boost::asio::co_spawn(ioc, ask(pool, jobs), boost::asio::use_future);
  ioc.run();
  return f.get();
}

TEST(BackgroundPool, ThreadsRunAtTheNiceLevelAskedFor) {
  // Raising the nice level needs no privilege, so these hold for any test runner at nice
  // 0..7.
  if (getpriority(PRIO_PROCESS, 0) > 7) GTEST_SKIP() << "the test runs niced beyond 7";
  for (int level : {7, 19}) {
    gd::BackgroundPool pool(2, 16, level);
    const auto seen = run_jobs(pool, 8);
    ASSERT_EQ(seen.size(), 8u);
    for (const auto& s : seen) EXPECT_EQ(s.nice, level);
    for (const auto& s : seen) EXPECT_NE(s.tid, gettid()) << "the job ran on the caller's thread";
  }
}

TEST(BackgroundPool, NiceLevelZeroLeavesThreadsAtTheCallersLevel) {
  const int mine = getpriority(PRIO_PROCESS, 0);
  if (mine != 0) GTEST_SKIP() << "the test runs niced";
  gd::BackgroundPool pool(2, 16, 0);
  for (const auto& s : run_jobs(pool, 4)) EXPECT_EQ(s.nice, 0);
}

TEST(BackgroundPool, JobsGoToNormalThreadsFirstAndToLowOnesOnlyWhenThoseAreBusy) {
  if (getpriority(PRIO_PROCESS, 0) != 0) GTEST_SKIP() << "the test runs niced";
  gd::BackgroundPool pool(1, 1, 9, 16);
  // One at a time: always the normal thread.
  for (const auto& s : run_jobs(pool, 5)) EXPECT_EQ(s.nice, 0);
  // Two at once (each waits for the other to start): one on each group.
  auto both = std::make_shared<std::latch>(2);
  auto job = [both] {
    both->arrive_and_wait();
    return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  };
  auto one = [](gd::BackgroundPool& p, decltype(job) j) -> gd::Task<int> {
    auto r = co_await p.run(std::move(j));
    co_return r.value_or(-100);
  };
  boost::asio::io_context ioc;
  auto a = boost::asio::co_spawn(ioc, one(pool, job), boost::asio::use_future);
  auto b = boost::asio::co_spawn(ioc, one(pool, job), boost::asio::use_future);
  ioc.run();
  std::multiset<int> levels{a.get(), b.get()};
  EXPECT_EQ(levels, (std::multiset<int>{0, 9}));
  EXPECT_EQ(pool.pending(), 0u);
}

}  // namespace
