#include "store/batched_lookup.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <vector>

namespace gd::db {

// One lookup waiting for its batch. Shared with the drainer, so a waiter that goes away
// (its connection dropped) leaves nothing dangling.
struct BatchedLookup::Waiter {
  explicit Waiter(const boost::asio::any_io_executor& ex, std::string v)
      : value(std::move(v)), wake(ex, boost::asio::steady_timer::time_point::max()) {}
  std::string value;
  Rows rows;
  std::exception_ptr error;
  boost::asio::steady_timer wake;
};

// The lookups of one thread. Only that thread touches it: a connection's coroutine, and the
// drainer it starts, never leave the thread they began on.
struct BatchedLookup::Lane {
  std::vector<std::shared_ptr<Waiter>> queue;
  bool draining = false;
};

BatchedLookup::~BatchedLookup() = default;

std::shared_ptr<BatchedLookup::Lane> BatchedLookup::lane() {
  std::lock_guard lock(mutex_);
  auto& l = lanes_[std::this_thread::get_id()];
  if (!l) l = std::make_shared<Lane>();
  return l;
}

Task<Rows> BatchedLookup::get(std::string value) {
  const auto ex = co_await boost::asio::this_coro::executor;
  auto l = lane();
  auto w = std::make_shared<Waiter>(ex, std::move(value));
  l->queue.push_back(w);
  // The drainer starts after this coroutine is suspended below (co_spawn posts), so the
  // wake-up cannot come before the wait.
  if (!l->draining) {
    l->draining = true;
    boost::asio::co_spawn(ex, drain(l), boost::asio::detached);
  }
  boost::system::error_code ec;
  co_await w->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  if (w->error) std::rethrow_exception(w->error);
  co_return std::move(w->rows);
}

// Runs queries until the lane's queue is empty: each takes everything queued so far.
Task<void> BatchedLookup::drain(std::shared_ptr<Lane> lane) {
  while (!lane->queue.empty()) {
    auto batch = std::move(lane->queue);
    lane->queue.clear();
    std::vector<std::string> values;
    values.reserve(batch.size());
    for (const auto& w : batch) values.push_back(w->value);
    try {
      const bool one = values.size() == 1;
      queries_.fetch_add(1, std::memory_order_relaxed);
      auto params = db::params(one ? values.front() : pg_text_array(values));
      const auto rows = co_await db_.read(
          select_ + " AND " + key_ + (one ? " = $1" : " = ANY(CAST($1 AS TEXT[]))"),
          std::move(params));
      std::unordered_map<std::string_view, int> by_key;
      for (int i = 0; i < rows.size(); ++i) by_key.emplace(rows.text(i, key_column_), i);
      for (const auto& w : batch)
        if (auto it = by_key.find(w->value); it != by_key.end()) w->rows = rows.row(it->second);
    } catch (...) {
      for (const auto& w : batch) w->error = std::current_exception();
    }
    for (const auto& w : batch) w->wake.cancel();
  }
  lane->draining = false;
}

std::string pg_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace gd::db
