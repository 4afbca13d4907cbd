// LocalHub: frames held during a replay come after ready, less what the replay carried;
// session ends close the right sockets.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "live/hub.hpp"

namespace gd::live {
namespace {

class FakeSocket final : public http::LiveSocket {
 public:
  FakeSocket(std::string user, std::string session) {
    who_.user_id = std::move(user);
    who_.session_id = std::move(session);
  }
  bool send(std::string frame) override {
    sent.push_back(std::move(frame));
    return true;
  }
  void close(int code, std::string) override { closed_with = code; }
  const http::Principal& principal() const override { return who_; }

  std::vector<std::string> sent;
  int closed_with = 0;

 private:
  http::Principal who_;
};

TEST(LocalHub, HoldsFramesDuringTheReplayAndDropsWhatItReplayed) {
  LocalHub hub;
  auto s = std::make_shared<FakeSocket>("u1", "s1");
  hub.add(s);
  hub.publish("u1", {"n1", "id1"});  // committed before the replay read it
  hub.publish("u1", {"t1", ""});
  hub.publish("u2", {"other", "id9"});
  EXPECT_TRUE(s->sent.empty()) << "nothing goes out while the replay is read";
  s->sent.push_back("replayed id1");
  hub.ready(*s, {"id1"}, "ready");
  EXPECT_EQ(s->sent, (std::vector<std::string>{"replayed id1", "ready", "t1"}));
  hub.publish("u1", {"n1 again", "id1"});  // the relay, late
  hub.publish("u1", {"n2", "id2"});
  EXPECT_EQ(s->sent.back(), "n2");
  EXPECT_EQ(s->sent.size(), 4u);
  hub.remove(*s);
  EXPECT_EQ(hub.size(), 0u);
}

TEST(LocalHub, EndSessionsClosesOneSessionOrAllButOne) {
  LocalHub hub;
  auto a = std::make_shared<FakeSocket>("u1", "s1");
  auto b = std::make_shared<FakeSocket>("u1", "s2");
  auto c = std::make_shared<FakeSocket>("u1", "s3");
  auto other = std::make_shared<FakeSocket>("u2", "s1");
  for (const auto& s : {a, b, c, other}) hub.add(s);
  hub.end_sessions("u1", std::string("s1"), std::nullopt);
  EXPECT_EQ(a->closed_with, http::live_close::kUnauthorized);
  EXPECT_EQ(b->closed_with, 0);
  EXPECT_EQ(other->closed_with, 0) << "another user's session of the same id";
  hub.end_sessions("u1", std::nullopt, std::string("s2"));  // a password change in s2
  EXPECT_EQ(b->closed_with, 0);
  EXPECT_EQ(c->closed_with, http::live_close::kUnauthorized);
}

}  // namespace
}  // namespace gd::live
