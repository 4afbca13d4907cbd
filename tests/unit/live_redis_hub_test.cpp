// RedisHub: two hubs on one Redis stand for two nodes. A frame or a session end published on
// one reaches the other's sockets once, and its own sockets once (not again by the echo).
#include "live/redis_hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis_fixture.hpp"

namespace gd::live {
namespace {

using gd::testing::eventually;
using gd::testing::RedisServer;

class RecordingSocket final : public http::LiveSocket {
 public:
  RecordingSocket(std::string user, std::string session) {
    who_.user_id = std::move(user);
    who_.session_id = std::move(session);
  }
  bool send(std::string frame) override {
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(frame));
    return true;
  }
  void close(int code, std::string) override { closed_with = code; }
  const http::Principal& principal() const override { return who_; }
  std::vector<std::string> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  std::atomic<int> closed_with{0};

 private:
  http::Principal who_;
  mutable std::mutex mu_;
  std::vector<std::string> sent_;
};

struct Node {
  explicit Node(const RedisServer& server)
      : client(server.options()), hub(local, client, [this] { ++remote_ends; }) {}
  LocalHub local;
  redis::Client client;
  std::atomic<int> remote_ends{0};
  RedisHub hub;
  std::shared_ptr<RecordingSocket> join(std::string user, std::string session) {
    auto s = std::make_shared<RecordingSocket>(std::move(user), std::move(session));
    local.add(s);
    local.ready(*s, {}, "ready");
    return s;
  }
};

TEST(RedisHub, FramesAndSessionEndsReachEveryNodeOnce) {
  RedisServer server;
  Node a(server), b(server);
  ASSERT_TRUE(eventually([&] { return a.client.subscribed() && b.client.subscribed(); }));
  ASSERT_TRUE(eventually([&] { return a.client.connected() && b.client.connected(); }));
  auto on_a = a.join("u1", "s1");
  auto on_b = b.join("u1", "s2");
  auto stranger = b.join("u2", "s9");
  a.hub.publish("u1", {"task frame", ""});
  ASSERT_TRUE(eventually([&] { return on_b->sent().size() == 2; }));
  EXPECT_EQ(on_b->sent().back(), "task frame");
  EXPECT_EQ(on_a->sent(), (std::vector<std::string>{"ready", "task frame"}));
  EXPECT_EQ(stranger->sent().size(), 1u) << "only the user's sockets";
  // A session end on A closes the session's socket on B and empties B's session cache.
  a.hub.end_sessions("u1", std::string("s2"), std::nullopt);
  ASSERT_TRUE(eventually([&] { return on_b->closed_with.load() != 0; }));
  EXPECT_EQ(on_b->closed_with.load(), http::live_close::kUnauthorized);
  EXPECT_EQ(on_a->closed_with.load(), 0);
  EXPECT_TRUE(eventually([&] { return b.remote_ends.load() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(a.remote_ends.load(), 0) << "a node skips its own messages";
  EXPECT_EQ(on_a->sent().size(), 2u) << "no echo of A's own frame";
}

TEST(RedisHub, IgnoresMessagesItCannotRead) {
  RedisServer server;
  Node a(server);
  auto s = a.join("u1", "s1");
  for (const char* junk : {"not json", "[]", R"({"kind":"frame"})",
                           R"({"node":"x","kind":"frame","user":"u1","text":7})",
                           R"({"node":"x","kind":"nope","user":"u1"})"})
    a.hub.received(junk);
  EXPECT_EQ(s->sent().size(), 1u);
  EXPECT_EQ(a.remote_ends.load(), 0);
  a.hub.received(R"({"node":"x","kind":"frame","user":"u1","text":"hi","nid":"n1"})");
  EXPECT_EQ(s->sent().back(), "hi");
}

}  // namespace
}  // namespace gd::live
