// The outbox relay and the bus.
#include "tasks/events.hpp"

#include <spdlog/spdlog.h>

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
  // Usually there is nothing: look first (a read on the partial index), so an idle relay
  // never takes the write lock.
  const auto pending =
      co_await db_.read("SELECT 1 FROM task_events WHERE delivered_at IS NULL LIMIT 1");
  if (pending.empty()) co_return 0;
  std::size_t delivered = 0;
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    auto limit = db::params(static_cast<std::int64_t>(batch_));
    const auto rows = co_await tx.exec(claim, std::move(limit));
    if (rows.empty()) co_return true;
    auto params = db::params(now_ms());
    for (int i = 0; i < rows.size(); ++i) {
      const TaskEvent e{rows.str(i, 0), rows.str(i, 1), rows.str(i, 2),
                        rows.str(i, 3), rows.opt(i, 4), rows.i64(i, 5)};
      bus_.publish(e);
      params.emplace_back(e.id);
    }
    co_await tx.exec("UPDATE task_events SET delivered_at = $1 WHERE id IN (" +
                         db::placeholders(2, static_cast<std::size_t>(rows.size())) + ")",
                     std::move(params));
    delivered = static_cast<std::size_t>(rows.size());
    co_return true;
  };
  co_await db_.transact(body);
  co_return delivered;
}

OutboxRelay::OutboxRelay(db::Database& db, EventBus& bus, std::chrono::milliseconds poll,
                         std::size_t batch)
    : db_(db), bus_(bus), batch_(batch), loop_("outbox relay", poll, [this]() -> Task<bool> {
        co_return co_await deliver_batch() == batch_;
      }) {}

void OutboxRelay::start(boost::asio::any_io_executor ex) {
  loop_.start(std::move(ex));
}

void OutboxRelay::stop() {
  loop_.stop();
}

}  // namespace gd::tasks
