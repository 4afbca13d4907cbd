// Token-bucket rate limits keyed by a string (an IP, an email). Every server process keeps
// its own buckets; with --redis-url a limiter that is shared takes its budget from Redis
// instead (one budget for the whole service), and from its own buckets while Redis is away.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/async.hpp"

namespace gd::redis {
class Client;
}

namespace gd::auth {

struct BucketOptions {
  double burst = 10;          // tokens a fresh key starts with
  double refill_per_s = 0.1;  // tokens added per second, up to burst
};

// The buckets in Redis: each check or take is one atomic script run (EVALSHA, EVAL when the
// script is not loaded), timed by Redis's clock, so the processes agree on one budget.
class SharedBuckets {
 public:
  explicit SharedBuckets(redis::Client& redis, std::atomic<std::uint64_t>* local_decisions);
  // The longest wait in seconds until each bucket (key, options) has a token (0: all have
  // one), taking one from each that has one when `take`; one script run for all of them.
  // nullopt when Redis did not answer (counted: the caller decides in its own process).
  Task<std::optional<int>> run(std::vector<std::pair<std::string, BucketOptions>> buckets,
                               bool take);

 private:
  redis::Client& redis_;
  std::atomic<std::uint64_t>* local_decisions_;
};

class RateLimiter {
 public:
  explicit RateLimiter(BucketOptions options, std::size_t max_keys = 100'000);
  // Seconds until `key` has a token again; 0 when it has one now. Consumes nothing.
  int retry_after_s(std::string_view key, std::int64_t now_ms);
  // Takes one token; returns 0 when one was available, else the seconds to wait.
  int take(std::string_view key, std::int64_t now_ms);

  // From now on the budget is `shared`'s, under the keys "gooddeeds:rl:<name>:<key>".
  void share(SharedBuckets* shared, std::string name);
  // retry_after_s and take at the current time, from the shared budget when there is one.
  Task<int> check(std::string key);
  Task<int> consume(std::string key);

  // The same for buckets of several limiters at once (the longest wait), in one Redis round
  // trip when they share one SharedBuckets.
  struct BucketRef {
    RateLimiter* limiter;
    std::string key;
  };
  static Task<int> check_all(std::vector<BucketRef> buckets) {
    return decide_all(std::move(buckets), false);
  }
  static Task<int> consume_all(std::vector<BucketRef> buckets) {
    return decide_all(std::move(buckets), true);
  }

 private:
  struct Bucket {
    double tokens;
    std::int64_t updated_ms;
  };
  Bucket& refill(std::string_view key, std::int64_t now_ms);
  int wait_s(const Bucket& b) const;
  void evict_full(std::int64_t now_ms);

  static Task<int> decide_all(std::vector<BucketRef> buckets, bool take);

  BucketOptions options_;
  std::size_t max_keys_;
  SharedBuckets* shared_ = nullptr;
  std::string name_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace gd::auth
