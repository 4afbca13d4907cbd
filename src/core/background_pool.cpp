// BackgroundPool: thread start-up at lower priority and the pending-job bound.
#include "core/background_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <latch>
#include <memory>

namespace gd {

BackgroundPool::BackgroundPool(std::size_t threads, std::size_t max_pending, int nice_level)
    : threads_(std::max<std::size_t>(1, threads)), max_pending_(max_pending) {
  const std::size_t n = std::max<std::size_t>(1, threads);
  // Shared: a thread may still be leaving arrive_and_wait() when the constructor returns.
  auto all_started = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    // Each task waits for all the others, so every pool thread runs exactly one.
    boost::asio::post(threads_, [all_started, nice_level] {
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice_level);
      all_started->arrive_and_wait();
    });
  }
  all_started->wait();
}

BackgroundPool::~BackgroundPool() {
  threads_.join();
}

bool BackgroundPool::try_reserve() {
  auto n = pending_.load();
  do {
    if (n >= max_pending_) return false;
  } while (!pending_.compare_exchange_weak(n, n + 1));
  return true;
}

}  // namespace gd
