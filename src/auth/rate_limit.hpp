// Token-bucket rate limits keyed by a string (an IP, an email). In-process; every server
// process keeps its own buckets.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gd::auth {

struct BucketOptions {
  double burst = 10;          // tokens a fresh key starts with
  double refill_per_s = 0.1;  // tokens added per second, up to burst
};

class RateLimiter {
 public:
  explicit RateLimiter(BucketOptions options, std::size_t max_keys = 100'000);
  // Seconds until `key` has a token again; 0 when it has one now. Consumes nothing.
  int retry_after_s(std::string_view key, std::int64_t now_ms);
  // Takes one token; returns 0 when one was available, else the seconds to wait.
  int take(std::string_view key, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens;
    std::int64_t updated_ms;
  };
  Bucket& refill(std::string_view key, std::int64_t now_ms);
  int wait_s(const Bucket& b) const;
  void evict_full(std::int64_t now_ms);

  BucketOptions options_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace gd::auth
