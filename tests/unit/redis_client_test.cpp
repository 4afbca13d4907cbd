// The Redis client against a real redis-server (Debian's, started here on a free port in a
// temporary directory): commands, scripts, pub/sub, failing fast while Redis is down and
// coming back after it restarts; and the shared token buckets built on it.
#include "redis/redis_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/rate_limit.hpp"
#include "core/ids.hpp"
#include "db_fixture.hpp"
#include "redis_fixture.hpp"

namespace {

using gd::redis::Client;
using gd::redis::ClientOptions;
using gd::redis::Reply;
using gd::testing::eventually;
using gd::testing::RedisServer;
using gd::testing::run;
using namespace std::chrono_literals;

Reply cmd(Client& c, std::vector<std::string> args) {
  boost::asio::io_context ioc;
  return run(ioc, c.command(std::move(args)));
}

TEST(RedisUrl, ParsesHostPortAndDatabase) {
  const auto a = gd::redis::parse_url("redis://cache.internal:6380/3");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "cache.internal");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->db, 3);
  const auto d = gd::redis::parse_url("redis://127.0.0.1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 6379);
  EXPECT_EQ(d->db, 0);
  for (const char* bad : {"http://h:1", "redis://", "redis://h:0", "redis://h:70000", "redis://h:x",
                          "redis://h/16", "redis://h/", "redis://u:p@h:1", "redis://h:1/2/3"})
    EXPECT_FALSE(gd::redis::parse_url(bad)) << bad;
}

TEST(RedisClient, RunsCommandsAndReportsEachReplyType) {
  RedisServer server;
  Client c(server.options());
  ASSERT_TRUE(eventually([&] { return c.connected(); }));
  EXPECT_EQ(cmd(c, {"SET", "k", std::string("a\0b", 3)}).type, Reply::Type::kStatus);
  const auto got = cmd(c, {"GET", "k"});
  EXPECT_EQ(got.type, Reply::Type::kString);
  EXPECT_EQ(got.str, std::string("a\0b", 3));  // binary-safe
  EXPECT_EQ(cmd(c, {"INCR", "n"}).integer, 1);
  EXPECT_EQ(cmd(c, {"GET", "missing"}).type, Reply::Type::kNil);
  const auto err = cmd(c, {"INCR", "k"});
  EXPECT_EQ(err.type, Reply::Type::kError);
  EXPECT_FALSE(err.ok());
  const auto arr = cmd(c, {"MGET", "n", "missing"});
  ASSERT_EQ(arr.type, Reply::Type::kArray);
  ASSERT_EQ(arr.elements.size(), 2u);
  EXPECT_EQ(arr.elements[0].str, "1");
}

TEST(RedisClient, SelectsTheDatabaseOfTheUrl) {
  RedisServer server;
  Client three(server.options(3));
  Client zero(server.options(0));
  ASSERT_TRUE(eventually([&] { return three.connected() && zero.connected(); }));
  cmd(three, {"SET", "where", "three"});
  EXPECT_EQ(cmd(zero, {"GET", "where"}).type, Reply::Type::kNil);
  EXPECT_EQ(cmd(three, {"GET", "where"}).str, "three");
}

TEST(RedisClient, EvalLoadsAScriptRedisDoesNotKnow) {
  RedisServer server;
  Client c(server.options());
  ASSERT_TRUE(eventually([&] { return c.connected(); }));
  boost::asio::io_context ioc;
  const std::string script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
  EXPECT_EQ(run(ioc, c.eval(script, {"s"}, {"5"})).integer, 5);   // EVALSHA fails, EVAL runs
  EXPECT_EQ(run(ioc, c.eval(script, {"s"}, {"5"})).integer, 10);  // EVALSHA
  cmd(c, {"SCRIPT", "FLUSH"});
  EXPECT_EQ(run(ioc, c.eval(script, {"s"}, {"1"})).integer, 11);
}

TEST(RedisClient, DeliversPublishedMessagesToSubscribers) {
  RedisServer server;
  Client sub(server.options());
  Client pub(server.options());
  std::mutex mu;
  std::vector<std::string> got;
  sub.subscribe("chan", [&](std::string m) {
    std::lock_guard lock(mu);
    got.push_back(std::move(m));
  });
  ASSERT_TRUE(eventually([&] { return sub.subscribed() && pub.connected(); }));
  pub.publish("chan", "one");
  pub.publish("other", "not for us");
  pub.publish("chan", "two");
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return got.size() >= 2;
  }));
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(mu);
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
}

TEST(RedisClient, FailsFastWhileDownAndComesBackAfterARestart) {
  RedisServer server;
  Client c(server.options());
  std::atomic<int> messages{0};
  c.subscribe("chan", [&](std::string) { ++messages; });
  ASSERT_TRUE(eventually([&] { return c.connected() && c.subscribed(); }));
  server.stop();
  ASSERT_TRUE(eventually([&] { return !c.connected(); }));
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = cmd(c, {"PING"});
  EXPECT_EQ(r.type, Reply::Type::kFailed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms) << "a command must not wait for Redis";
  server.start();  // same port
  ASSERT_TRUE(eventually([&] { return c.connected() && c.subscribed(); }, 10s));
  EXPECT_EQ(cmd(c, {"PING"}).str, "PONG");
  Client pub(server.options());
  ASSERT_TRUE(eventually([&] { return pub.connected(); }));
  pub.publish("chan", "again");
  EXPECT_TRUE(eventually([&] { return messages.load() == 1; })) << "resubscribed after restart";
  EXPECT_GE(c.connects(), 4u);
}

TEST(RedisClient, AReplySlowerThanTheTimeoutDropsTheConnection) {
  RedisServer server;
  Client c(server.options());
  ASSERT_TRUE(eventually([&] { return c.connected(); }));
  const auto r = cmd(c, {"DEBUG", "SLEEP", "2"});  // Redis answers after 2 s; we give it 500 ms
  EXPECT_EQ(r.type, Reply::Type::kFailed) << r.str;
  EXPECT_FALSE(c.connected());
  EXPECT_TRUE(eventually([&] { return cmd(c, {"PING"}).str == "PONG"; }, 10s));
}

TEST(SharedBuckets, OneBudgetForEveryLimiterThatSharesIt) {
  RedisServer server;
  Client c(server.options());
  ASSERT_TRUE(eventually([&] { return c.connected(); }));
  std::atomic<std::uint64_t> local{0};
  gd::auth::SharedBuckets shared(c, &local);
  // Two processes' limiters, one budget of 3.
  gd::auth::RateLimiter a({3, 0.001}), b({3, 0.001});
  a.share(&shared, "ip");
  b.share(&shared, "ip");
  boost::asio::io_context ioc;
  EXPECT_EQ(run(ioc, a.consume("1.2.3.4")), 0);
  EXPECT_EQ(run(ioc, b.consume("1.2.3.4")), 0);
  EXPECT_EQ(run(ioc, a.check("1.2.3.4")), 0);  // a check takes nothing
  EXPECT_EQ(run(ioc, b.consume("1.2.3.4")), 0);
  EXPECT_GT(run(ioc, a.check("1.2.3.4")), 0);
  EXPECT_GT(run(ioc, a.consume("1.2.3.4")), 0);
  EXPECT_EQ(run(ioc, b.consume("5.6.7.8")), 0);  // another key has its own budget
  EXPECT_EQ(local.load(), 0u);
  // Several limiters' buckets in one script run: the longest wait, and a take takes from
  // each bucket that has a token.
  gd::auth::RateLimiter email({2, 0.001});
  email.share(&shared, "email");
  using Ref = gd::auth::RateLimiter::BucketRef;
  EXPECT_EQ(run(ioc, gd::auth::RateLimiter::check_all({Ref{&email, "e"}, Ref{&b, "9.9.9.9"}})), 0);
  EXPECT_GT(run(ioc, gd::auth::RateLimiter::check_all({Ref{&email, "e"}, Ref{&a, "1.2.3.4"}})), 0);
  EXPECT_GT(run(ioc, gd::auth::RateLimiter::consume_all({Ref{&email, "e"}, Ref{&a, "1.2.3.4"}})),
            0);
  EXPECT_EQ(run(ioc, email.consume("e")), 0) << "the refused pair took one from e (2 -> 1)";
  EXPECT_GT(run(ioc, email.consume("e")), 0);
  // A stored bucket expires once it would be full again.
  const auto ttl = cmd(c, {"PTTL", "gooddeeds:rl:ip:1.2.3.4"});
  EXPECT_GT(ttl.integer, 0);
  // Redis gone: each limiter decides alone, and says so.
  server.stop();
  ASSERT_TRUE(eventually([&] { return !c.connected(); }));
  EXPECT_EQ(run(ioc, a.consume("1.2.3.4")), 0);
  EXPECT_EQ(local.load(), 1u);
}

}  // namespace
