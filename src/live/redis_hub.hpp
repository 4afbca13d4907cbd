// Live fan-out across processes (--redis-url, docs/scaling.md): what one process publishes
// reaches the sockets of every process. Each process delivers its own frames to its LocalHub
// at once and publishes them on one Redis channel; every other process hands what it hears to
// its LocalHub. Messages carry the sender's random node id, so a process skips its own.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "live/hub.hpp"
#include "redis/redis_client.hpp"

namespace gd::live {

class RedisHub final : public LiveHub {
 public:
  // `on_remote_end` runs (on the Redis worker thread) for every session end heard from
  // another process, after its sockets here are closed: the app drops the session cache.
  RedisHub(LocalHub& local, redis::Client& redis, std::function<void()> on_remote_end);

  void publish(const std::string& user_id, const Frame& frame) override;
  void end_sessions(const std::string& user_id, const std::optional<std::string>& session_id,
                    const std::optional<std::string>& except_session_id) override;

  // What another process sent (a message of the channel); public for tests.
  void received(const std::string& message);
  const std::string& channel() const { return channel_; }

 private:
  LocalHub& local_;
  redis::Client& redis_;
  std::function<void()> on_remote_end_;
  std::string node_id_;
  std::string channel_;
};

}  // namespace gd::live
