// A few low-priority threads for CPU-heavy work (password hashing, image processing) with a
// bound on jobs queued or running, so a burst queues or is refused instead of starving the
// I/O threads or exhausting memory.
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
  // Threads run at nice `nice_level`; every thread has started when the constructor returns.
  BackgroundPool(std::size_t threads, std::size_t max_pending, int nice_level = 10);
  ~BackgroundPool();
  BackgroundPool(const BackgroundPool&) = delete;
  BackgroundPool& operator=(const BackgroundPool&) = delete;

  // Runs fn on a pool thread; nullopt (without running it) when max_pending jobs are already
  // queued or running. Pass a named callable: GCC 12 mishandles temporaries in co_await.
  template <class F>
  Task<std::optional<std::invoke_result_t<F&>>> run(F fn) {
    if (!try_reserve()) co_return std::nullopt;
    struct Release {
      std::atomic<std::size_t>& n;
      ~Release() { --n; }
    } release{pending_};
    co_return co_await offload(threads_.get_executor(), std::move(fn));
  }

  std::size_t pending() const { return pending_.load(); }

 private:
  bool try_reserve();
  boost::asio::thread_pool threads_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
};

}  // namespace gd
