// Token-bucket rate limits, driven with a simulated clock through the now_ms argument.
#include "auth/rate_limit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {

using gd::auth::BucketOptions;
using gd::auth::RateLimiter;

constexpr std::int64_t kT0 = 1'700'000'000'000;

TEST(RateLimit, BurstIsAllowedThenRefusedWithRetryAfter) {
  RateLimiter rl(BucketOptions{5, 0.5});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rl.take("1.2.3.4", kT0), 0) << "request " << i;
  // Empty bucket: one token takes 1 / 0.5 = 2 seconds.
  EXPECT_EQ(rl.take("1.2.3.4", kT0), 2);
  EXPECT_EQ(rl.take("1.2.3.4", kT0), 2);  // a refused take consumes nothing
  EXPECT_EQ(rl.retry_after_s("1.2.3.4", kT0), 2);
}

TEST(RateLimit, RetryAfterRoundsUpAndIsAtLeastOneSecond) {
  RateLimiter slow(BucketOptions{1, 0.1});
  EXPECT_EQ(slow.take("k", kT0), 0);
  EXPECT_EQ(slow.take("k", kT0), 10);
  EXPECT_EQ(slow.take("k", kT0 + 500), 10);   // 9.5 s left, rounded up
  EXPECT_EQ(slow.take("k", kT0 + 9'001), 1);  // 0.999 s left
  RateLimiter fast(BucketOptions{1, 100});
  EXPECT_EQ(fast.take("k", kT0), 0);
  EXPECT_EQ(fast.take("k", kT0), 1);  // 10 ms left, but Retry-After is in whole seconds
}

TEST(RateLimit, RetryAfterDoesNotConsume) {
  RateLimiter rl(BucketOptions{3, 0.01});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rl.retry_after_s("k", kT0), 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.take("k", kT0), 0);
  EXPECT_GT(rl.take("k", kT0), 0);
}

TEST(RateLimit, RefillsOverSimulatedTime) {
  RateLimiter rl(BucketOptions{2, 0.5});
  EXPECT_EQ(rl.take("k", kT0), 0);
  EXPECT_EQ(rl.take("k", kT0), 0);
  EXPECT_EQ(rl.take("k", kT0), 2);
  EXPECT_EQ(rl.take("k", kT0 + 1'999), 1);  // 0.9995 tokens: not yet
  EXPECT_EQ(rl.take("k", kT0 + 2'000), 0);  // one whole token
  EXPECT_EQ(rl.take("k", kT0 + 2'000), 2);
  EXPECT_EQ(rl.take("k", kT0 + 6'000), 0);  // two more tokens refilled...
  EXPECT_EQ(rl.take("k", kT0 + 6'000), 0);
  EXPECT_GT(rl.take("k", kT0 + 6'000), 0);  // ...but no more than that
}

TEST(RateLimit, RefillIsCappedAtBurst) {
  RateLimiter rl(BucketOptions{3, 1});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.take("k", kT0), 0);
  const std::int64_t much_later = kT0 + 24LL * 3600 * 1000;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.take("k", much_later), 0);
  EXPECT_EQ(rl.take("k", much_later), 1);
}

TEST(RateLimit, ClockGoingBackwardsDoesNotMintTokens) {
  RateLimiter rl(BucketOptions{1, 1});
  EXPECT_EQ(rl.take("k", kT0), 0);
  EXPECT_GT(rl.take("k", kT0 - 60'000), 0);
  EXPECT_GT(rl.take("k", kT0), 0);
}

TEST(RateLimit, KeysAreIndependent) {
  RateLimiter rl(BucketOptions{2, 0.1});
  EXPECT_EQ(rl.take("alice@example.com", kT0), 0);
  EXPECT_EQ(rl.take("alice@example.com", kT0), 0);
  EXPECT_GT(rl.take("alice@example.com", kT0), 0);
  EXPECT_EQ(rl.take("bob@example.com", kT0), 0);
  EXPECT_EQ(rl.take("bob@example.com", kT0), 0);
  EXPECT_GT(rl.take("bob@example.com", kT0), 0);
  EXPECT_GT(rl.take("alice@example.com", kT0), 0);
  EXPECT_EQ(rl.retry_after_s("carol@example.com", kT0), 0);
}

TEST(RateLimit, ZeroRefillWaitsAnHour) {
  RateLimiter rl(BucketOptions{1, 0});
  EXPECT_EQ(rl.take("k", kT0), 0);
  EXPECT_EQ(rl.take("k", kT0), 3600);
  EXPECT_EQ(rl.take("k", kT0 + 10LL * 3600 * 1000), 3600);
}

// Many idle keys must not push a drained key out: when the map is full, buckets that are
// full again are the ones forgotten.
TEST(RateLimit, BoundedMapEvictsRefilledKeysAndKeepsHotKey) {
  RateLimiter rl(BucketOptions{3, 1}, /*max_keys=*/8);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rl.take("hot", kT0), 0);
  ASSERT_GT(rl.take("hot", kT0), 0);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(rl.take("idle-" + std::to_string(i), kT0), 0);
  // 1.5 s later the idle keys (2 of 3 tokens) are full again; the hot key has 1.5 tokens.
  // The first new key finds the map full and evicts the seven idle keys, not the hot one.
  const std::int64_t t = kT0 + 1'500;
  for (int i = 0; i < 7; ++i) ASSERT_EQ(rl.take("new-" + std::to_string(i), t), 0);
  EXPECT_EQ(rl.take("hot", t), 0);
  EXPECT_GT(rl.take("hot", t), 0) << "the hot key's bucket was forgotten and refilled";
}

// An attacker who cycles through many keys (e.g. spoofed emails) must not be able to reset
// the limit on the key they are hammering.
TEST(RateLimit, BoundedMapKeepsHotKeyLimitedUnderKeyChurn) {
  RateLimiter rl(BucketOptions{3, 1.0 / 60}, /*max_keys=*/8);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rl.take("victim@example.com", kT0), 0);
  ASSERT_GT(rl.take("victim@example.com", kT0), 0);
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t t = kT0 + i;
    ASSERT_EQ(rl.take("churn-" + std::to_string(i), t), 0);
    ASSERT_GT(rl.take("victim@example.com", t), 0)
        << "the drained key got a token again after " << i + 1 << " other keys";
  }
}

TEST(RateLimit, ConcurrentTakesGrantExactlyTheBurst) {
  RateLimiter rl(BucketOptions{100, 0});
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        if (rl.take("shared", kT0) == 0) ++granted;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), 100);
}

}  // namespace
