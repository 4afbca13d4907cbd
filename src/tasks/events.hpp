// Task events: the in-process bus that notifications hang off, fed from the task_events
// outbox. Transitions write outbox rows in their own transaction; the relay delivers them
// after commit, in order, at least once, and marks them delivered.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/async.hpp"
#include "core/periodic.hpp"
#include "store/db.hpp"

namespace gd::tasks {

struct TaskEvent {
  std::string id;
  std::string task_id;
  std::string type;                    // task.accepted, task.started, task.completed, ...
  std::string recipient_id;            // who is to be told
  std::optional<std::string> payload;  // JSON, e.g. {"reason": ...}
  std::int64_t created_at_ms = 0;
};

class EventBus {
 public:
  using Handler = std::function<void(const TaskEvent&)>;
  // Subscribe at start-up, before the relay runs. Handlers run on the relay's thread (for
  // SQLite, the writer thread, inside the delivering transaction): keep them short and hand
  // slow work (a push notification) to a queue of their own.
  void subscribe(Handler h) { handlers_.push_back(std::move(h)); }
  // Calls every handler; one that throws is logged and does not stop the others.
  void publish(const TaskEvent& e) const;

 private:
  std::vector<Handler> handlers_;
};

class OutboxRelay {
 public:
  OutboxRelay(db::Database& db, EventBus& bus, std::chrono::milliseconds poll,
              std::size_t batch = 100);

  // Claims up to `batch` undelivered events (oldest first; on PostgreSQL FOR UPDATE SKIP
  // LOCKED, so processes sharing a database split the work), publishes them and marks them
  // delivered, all in one transaction. Returns how many it delivered.
  Task<std::size_t> deliver_batch();
  // Delivers in a loop on `ex` until stop(): a full batch goes on at once, otherwise it waits
  // `poll` before looking again.
  void start(boost::asio::any_io_executor ex);
  void stop();

 private:
  db::Database& db_;
  EventBus& bus_;
  std::size_t batch_;
  Periodic loop_;
};

}  // namespace gd::tasks
