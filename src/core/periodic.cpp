#include "core/periodic.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gd {

// Shared with the coroutine, so stop() and the destructor need not wait for it.
struct Periodic::Loop {
  explicit Loop(boost::asio::any_io_executor ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  std::atomic<bool> stopped{false};
  std::atomic<bool> woken{false};  // wake() came during a step: run the next one at once
};

void Periodic::start(boost::asio::any_io_executor ex) {
  loop_ = std::make_shared<Loop>(ex);
  auto run = [](Periodic* self, std::shared_ptr<Loop> loop) -> Task<void> {
    while (!loop->stopped) {
      bool more = false;
      loop->woken = false;
      try {
        more = co_await self->step_();
      } catch (const std::exception& e) {
        spdlog::warn("{}: {}", self->name_, e.what());
      }
      if (loop->stopped) break;
      if (more || loop->woken) continue;
      loop->timer.expires_after(self->pause_);
      boost::system::error_code ec;
      co_await loop->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
  };
  boost::asio::co_spawn(ex, run(this, loop_), boost::asio::detached);
}

void Periodic::wake() {
  const auto loop = loop_;
  if (!loop || loop->stopped) return;
  loop->woken = true;
  boost::asio::post(loop->timer.get_executor(), [loop] { loop->timer.cancel(); });
}

void Periodic::stop() {
  if (!loop_ || loop_->stopped.exchange(true)) return;
  boost::asio::post(loop_->timer.get_executor(), [loop = loop_] { loop->timer.cancel(); });
}

}  // namespace gd
