// Threads for CPU-heavy work (password hashing, image processing) with a bound on jobs queued
// or running, so a burst queues or is refused instead of starving the I/O threads or
// exhausting memory. The threads come in two groups: `normal` threads at the I/O threads'
// priority and `low` threads at a higher nice level. A job goes to a normal thread when one
// is free, else to a free low thread, else it queues for the next normal thread. So with
// the cores otherwise idle every thread works, while under load the low ones give way to
// the I/O threads and only the normal ones keep their fair share of the CPU.
#pragma once
#include <atomic>
#include <cstddef>
#include <optional>
#include <type_traits>

#include <boost/asio/thread_pool.hpp>

#include "core/offload.hpp"

namespace gd {

class BackgroundPool {
 public:
  // `threads` threads, all at nice `nice_level`; every thread has started when the
  // constructor returns.
  BackgroundPool(std::size_t threads, std::size_t max_pending, int nice_level = 10);
  // `normal` threads at the level of the thread that makes the pool (the I/O threads') and
  // `low` threads at nice `low_nice_level` (at least one thread in all).
  BackgroundPool(std::size_t normal, std::size_t low, int low_nice_level, std::size_t max_pending);
  ~BackgroundPool();
  BackgroundPool(const BackgroundPool&) = delete;
  BackgroundPool& operator=(const BackgroundPool&) = delete;

  // Runs fn on a pool thread; nullopt (without running it) when max_pending jobs are already
  // queued or running. Pass a named callable: GCC 12 mishandles temporaries in co_await.
  template <class F>
  Task<std::optional<std::invoke_result_t<F&>>> run(F fn) {
    if (!try_reserve()) co_return std::nullopt;
    const bool low = take_low_thread();
    struct Release {
      std::atomic<std::size_t>& n;
      std::atomic<std::size_t>* low_busy;
      ~Release() {
        if (low_busy) --*low_busy;
        --n;
      }
    } release{pending_, low ? &low_busy_ : nullptr};
    co_return co_await offload(low ? low_->get_executor() : normal_->get_executor(), std::move(fn));
  }

  std::size_t pending() const { return pending_.load(); }

 private:
  bool try_reserve();
  // True (and the low thread counted busy) when every normal thread is busy and a low one
  // is free.
  bool take_low_thread();
  std::optional<boost::asio::thread_pool> normal_, low_;
  std::size_t normal_threads_ = 0, low_threads_ = 0;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};   // reserved: queued or running, in either group
  std::atomic<std::size_t> low_busy_{0};  // jobs given to the low group, running
};

}  // namespace gd
