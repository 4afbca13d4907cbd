// BackgroundPool: thread start-up at the groups' priorities, the pending-job bound and the
// choice of group per job.
#include "core/background_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <latch>
#include <memory>
#include <optional>

namespace gd {
namespace {

// Sets the nice level of each of the pool's n threads (none: they keep the level of the
// thread that made the pool, the I/O threads' level); returns once all have started.
void start_threads(boost::asio::thread_pool& pool, std::size_t n, std::optional<int> nice_level) {
  // Shared: a thread may still be leaving arrive_and_wait() when this function returns.
  auto all_started = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    // Each task waits for all the others, so every pool thread runs exactly one.
    boost::asio::post(pool, [all_started, nice_level] {
      if (nice_level) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), *nice_level);
      all_started->arrive_and_wait();
    });
  }
  all_started->wait();
}

}  // namespace

// One group: every thread at `nice_level` (a pool of low threads only).
BackgroundPool::BackgroundPool(std::size_t threads, std::size_t max_pending, int nice_level)
    : BackgroundPool(0, std::max<std::size_t>(1, threads), nice_level, max_pending) {}

BackgroundPool::BackgroundPool(std::size_t normal, std::size_t low, int low_nice_level,
                               std::size_t max_pending)
    : normal_threads_(normal + low == 0 ? 1 : normal),
      low_threads_(low),
      max_pending_(max_pending) {
  if (normal_threads_ > 0) {
    normal_.emplace(normal_threads_);
    start_threads(*normal_, normal_threads_, std::nullopt);
  }
  if (low_threads_ > 0) {
    low_.emplace(low_threads_);
    start_threads(*low_, low_threads_, low_nice_level);
  }
}

BackgroundPool::~BackgroundPool() {
  if (normal_) normal_->join();
  if (low_) low_->join();
}

bool BackgroundPool::try_reserve() {
  auto n = pending_.load();
  do {
    if (n >= max_pending_) return false;
  } while (!pending_.compare_exchange_weak(n, n + 1));
  return true;
}

bool BackgroundPool::take_low_thread() {
  if (low_threads_ == 0) return false;
  if (normal_threads_ == 0) {
    ++low_busy_;
    return true;
  }
  // pending_ counts this job too: with at most normal_threads_ jobs outside the low group,
  // a normal thread is free for it.
  auto busy = low_busy_.load();
  do {
    if (pending_.load() - busy <= normal_threads_ || busy >= low_threads_) return false;
  } while (!low_busy_.compare_exchange_weak(busy, busy + 1));
  return true;
}

}  // namespace gd
