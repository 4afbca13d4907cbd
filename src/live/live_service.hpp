// The live endpoint (GET /api/v1/live, docs/notifications.md "Live") and what feeds it after
// commit: a relay that follows the notification rows in commit order, and task changes from
// the task event bus. Both hand frames to a LiveHub.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/periodic.hpp"
#include "http/live.hpp"
#include "live/hub.hpp"
#include "notifications/notification_service.hpp"
#include "tasks/events.hpp"
#include "tasks/task_service.hpp"

namespace gd::live {

// Notifications a socket replays at most; a client further behind reads the rest with
// GET /notifications (ready then says "more": true).
constexpr int kMaxReplay = 500;

class LiveService final : public http::LiveEndpoint {
 public:
  LiveService(LocalHub& sockets, LiveHub& hub, notifications::NotificationService& notes,
              tasks::TaskService& tasks, std::chrono::milliseconds poll);

  ~LiveService() override;
  LiveService(const LiveService&) = delete;
  LiveService& operator=(const LiveService&) = delete;

  Task<Status> open(std::shared_ptr<http::LiveSocket> socket,
                    std::optional<std::string> since) override;
  void closed(const http::LiveSocket& socket) override;

  // Task events mark their task changed and wake both loops (the event's notifications
  // committed with it); the task loop sends the task to everyone it concerns.
  void follow(tasks::EventBus& bus);
  void start(boost::asio::any_io_executor ex);
  void stop();

  // One pass of each loop; true when more is waiting.
  Task<bool> relay_notifications();
  Task<bool> send_task_changes();

 private:
  LocalHub& sockets_;
  LiveHub& hub_;
  notifications::NotificationService& notes_;
  tasks::TaskService& tasks_;
  // The relay's position in commit order, kept in memory: each process follows every row for
  // its own sockets; a socket that missed some (a restart) replays them with `since`.
  std::optional<std::int64_t> pos_;
  std::string pos_id_;
  // Tasks whose events came, in order; shared with the bus's handler, which may outlive this
  // (the bus outlives the database, whose writer thread may still be delivering).
  struct Changed {
    std::mutex mu;
    std::vector<std::string> ids;
    LiveService* service = nullptr;  // null once it is gone
  };
  std::shared_ptr<Changed> changed_ = std::make_shared<Changed>();
  Periodic notes_loop_;
  Periodic tasks_loop_;
};

// GET /api/v1/live without the WebSocket upgrade (which the server takes before routing):
// 400 MALFORMED_REQUEST naming the upgrade, rather than a 404 for a path that exists.
void add_routes(http::RouteTable& routes);

}  // namespace gd::live
