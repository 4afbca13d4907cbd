// Fan-out of live frames to the sockets of a user (docs/notifications.md "Live"). Producers
// (the notification relay, task changes, session ends) talk to LiveHub only; LocalHub reaches
// the sockets of this process. RedisHub (redis_hub.hpp, --redis-url) puts Redis behind the
// same interface: publish and end_sessions go to every node, each of which hands them to its
// LocalHub.
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/live.hpp"

namespace gd::live {

struct Frame {
  std::string text;             // the JSON text sent
  std::string notification_id;  // for a notification frame: what replay dedupes by
};

class LiveHub {
 public:
  virtual ~LiveHub() = default;
  // Sends the frame to every live socket of the user.
  virtual void publish(const std::string& user_id, const Frame& frame) = 0;
  // Closes with 4001 the user's sockets of session `session_id`, or of every session but
  // `except_session_id` when `session_id` is empty.
  virtual void end_sessions(const std::string& user_id,
                            const std::optional<std::string>& session_id,
                            const std::optional<std::string>& except_session_id) = 0;
};

// The sockets of this process, by user. A socket is added before its replay is read, so that
// nothing published meanwhile is lost: those frames are held and sent after `ready`, less the
// notifications the replay already carried.
class LocalHub final : public LiveHub {
 public:
  void publish(const std::string& user_id, const Frame& frame) override;
  void end_sessions(const std::string& user_id, const std::optional<std::string>& session_id,
                    const std::optional<std::string>& except_session_id) override;

  void add(std::shared_ptr<http::LiveSocket> socket);
  // Ends the replay of `socket`: sends `ready_frame`, then the held frames it did not replay.
  void ready(const http::LiveSocket& socket, std::unordered_set<std::string> replayed,
             std::string ready_frame);
  void remove(const http::LiveSocket& socket);
  // Closes every socket (shutdown).
  void close_all(int code, const std::string& reason);
  std::size_t size() const;

 private:
  struct Subscriber {
    std::shared_ptr<http::LiveSocket> socket;
    bool replaying = true;
    std::vector<Frame> held;
    std::unordered_set<std::string> replayed;  // notification ids sent by the replay
  };
  Subscriber* find(const http::LiveSocket& socket);  // with mu_ held
  static void deliver(Subscriber& s, const Frame& frame);

  mutable std::mutex mu_;
  std::unordered_multimap<std::string, Subscriber> by_user_;
};

}  // namespace gd::live
