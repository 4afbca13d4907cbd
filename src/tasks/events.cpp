// The outbox relay and the bus.
#include "tasks/events.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.hpp"

namespace gd::tasks {

void EventBus::publish(const TaskEvent& e) const {
  for (const auto& h : handlers_) {
    try {
      h(e);
    } catch (const std::exception& ex) {
      spdlog::error("task event {} ({}): a subscriber failed: {}", e.id, e.type, ex.what());
    }
  }
}

Task<std::size_t> OutboxRelay::deliver_batch() {
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  const std::string claim = std::string(
                                "SELECT id, task_id, type, recipient_id, payload, created_at FROM "
                                "task_events WHERE delivered_at IS NULL ORDER BY created_at, id "
                                "LIMIT $1") +
                            (pg ? " FOR UPDATE SKIP LOCKED" : "");
  std::size_t delivered = 0;
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    auto limit = db::params(static_cast<std::int64_t>(batch_));
    const auto rows = co_await tx.exec(claim, std::move(limit));
    if (rows.empty()) co_return true;
    std::string mark = "UPDATE task_events SET delivered_at = $1 WHERE id IN (";
    auto params = db::params(now_ms());
    for (int i = 0; i < rows.size(); ++i) {
      const TaskEvent e{rows.str(i, 0), rows.str(i, 1), rows.str(i, 2),
                        rows.str(i, 3), rows.opt(i, 4), rows.i64(i, 5)};
      bus_.publish(e);
      mark += (i ? ", $" : "$") + std::to_string(i + 2);
      params.emplace_back(e.id);
    }
    mark += ")";
    co_await tx.exec(std::move(mark), std::move(params));
    delivered = static_cast<std::size_t>(rows.size());
    co_return true;
  };
  co_await db_.transact(body);
  co_return delivered;
}

// Shared with the coroutine, so stop() and the destructor need not wait for it.
struct OutboxRelay::Loop {
  explicit Loop(boost::asio::any_io_executor ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  std::atomic<bool> stopped{false};
};

void OutboxRelay::start(boost::asio::any_io_executor ex) {
  loop_ = std::make_shared<Loop>(ex);
  auto run = [](OutboxRelay* self, std::shared_ptr<Loop> loop) -> Task<void> {
    while (!loop->stopped) {
      std::size_t n = 0;
      try {
        n = co_await self->deliver_batch();
      } catch (const std::exception& e) {
        spdlog::warn("outbox relay: {}", e.what());
      }
      if (loop->stopped) break;
      if (n == self->batch_) continue;
      loop->timer.expires_after(self->poll_);
      boost::system::error_code ec;
      co_await loop->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
  };
  boost::asio::co_spawn(ex, run(this, loop_), boost::asio::detached);
}

void OutboxRelay::stop() {
  if (!loop_ || loop_->stopped.exchange(true)) return;
  boost::asio::post(loop_->timer.get_executor(), [loop = loop_] { loop->timer.cancel(); });
}

OutboxRelay::~OutboxRelay() {
  stop();
}

}  // namespace gd::tasks
