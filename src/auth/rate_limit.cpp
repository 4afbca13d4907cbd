// Token buckets with lazy refill; the map is bounded by evicting buckets that are full again.
#include "auth/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace gd::auth {

RateLimiter::RateLimiter(BucketOptions options, std::size_t max_keys)
    : options_(options), max_keys_(max_keys) {}

RateLimiter::Bucket& RateLimiter::refill(std::string_view key, std::int64_t now_ms) {
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict_full(now_ms);
    it = buckets_.emplace(std::string(key), Bucket{options_.burst, now_ms}).first;
  }
  Bucket& b = it->second;
  const double elapsed_s =
      static_cast<double>(std::max<std::int64_t>(0, now_ms - b.updated_ms)) / 1000.0;
  b.tokens = std::min(options_.burst, b.tokens + elapsed_s * options_.refill_per_s);
  b.updated_ms = std::max(b.updated_ms, now_ms);  // a clock stepping back mints nothing
  return b;
}

int RateLimiter::wait_s(const Bucket& b) const {
  if (b.tokens >= 1.0) return 0;
  if (options_.refill_per_s <= 0) return 3600;
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / options_.refill_per_s)));
}

int RateLimiter::retry_after_s(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return wait_s(refill(key, now_ms));
}

int RateLimiter::take(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  Bucket& b = refill(key, now_ms);
  const int wait = wait_s(b);
  if (wait == 0) b.tokens -= 1.0;
  return wait;
}

void RateLimiter::evict_full(std::int64_t now_ms) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed_s = static_cast<double>(now_ms - it->second.updated_ms) / 1000.0;
    if (it->second.tokens + elapsed_s * options_.refill_per_s >= options_.burst) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  if (buckets_.size() < max_keys_) return;
  // Still full of drained keys (an attack cycling keys): forget the fuller half, which carry
  // the least information, and keep the most drained ones limited.
  std::vector<std::pair<double, std::string>> by_tokens;
  by_tokens.reserve(buckets_.size());
  for (const auto& [key, b] : buckets_) by_tokens.emplace_back(b.tokens, key);
  const auto half = by_tokens.begin() + static_cast<std::ptrdiff_t>(by_tokens.size() / 2);
  std::nth_element(by_tokens.begin(), half, by_tokens.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto it = by_tokens.begin(); it != half; ++it) buckets_.erase(it->second);
}

}  // namespace gd::auth
