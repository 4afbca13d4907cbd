// Token buckets with lazy refill; the map is bounded by evicting buckets that are full again.
// The shared variant runs the same arithmetic as a Lua script inside Redis.
#include "auth/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "redis/redis_client.hpp"

namespace gd::auth {
namespace {

// KEYS: the buckets (each a hash: tokens, ms). ARGV: burst and refill per second of each
// bucket in turn, then take (1|0). Returns the longest wait in seconds; a take takes from
// every bucket that has a token. Redis's clock, not the callers', so processes whose clocks
// differ share one refill. A full bucket is not stored; a stored one expires once it would be
// full again, so idle keys cost nothing.
constexpr const char* kBucketScript = R"lua(
local take = ARGV[#ARGV] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local longest = 0
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[2 * i - 1])
  local rate = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'ms')
  local tokens = tonumber(b[1]) or burst
  local ms = tonumber(b[2]) or now
  if now > ms then
    tokens = math.min(burst, tokens + (now - ms) / 1000 * rate)
    ms = now
  end
  local wait = 0
  if tokens < 1 then
    if rate <= 0 then wait = 3600 else wait = math.max(1, math.ceil((1 - tokens) / rate)) end
  end
  if take and wait == 0 then
    tokens = tokens - 1
    local ttl_ms = 86400000
    if rate > 0 then ttl_ms = math.ceil((burst - tokens) / rate * 1000) + 1000 end
    redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'ms', ms)
    redis.call('PEXPIRE', key, ttl_ms)
  end
  longest = math.max(longest, wait)
end
return longest
)lua";

}  // namespace

SharedBuckets::SharedBuckets(redis::Client& redis, std::atomic<std::uint64_t>* local_decisions)
    : redis_(redis), local_decisions_(local_decisions) {}

Task<std::optional<int>> SharedBuckets::run(
    std::vector<std::pair<std::string, BucketOptions>> buckets, bool take) {
  std::vector<std::string> keys, args;
  for (auto& [key, options] : buckets) {
    keys.push_back(std::move(key));
    args.push_back(fmt::format("{}", options.burst));
    args.push_back(fmt::format("{}", options.refill_per_s));
  }
  args.emplace_back(take ? "1" : "0");
  auto reply = co_await redis_.eval(kBucketScript, std::move(keys), std::move(args));
  if (reply.type == redis::Reply::Type::kInteger) co_return static_cast<int>(reply.integer);
  if (local_decisions_) local_decisions_->fetch_add(1, std::memory_order_relaxed);
  co_return std::nullopt;
}

void RateLimiter::share(SharedBuckets* shared, std::string name) {
  shared_ = shared;
  name_ = "gooddeeds:rl:" + std::move(name) + ":";
}

Task<int> RateLimiter::check(std::string key) {
  return decide_all({{this, std::move(key)}}, false);
}
Task<int> RateLimiter::consume(std::string key) {
  return decide_all({{this, std::move(key)}}, true);
}

Task<int> RateLimiter::decide_all(std::vector<BucketRef> buckets, bool take_one) {
  SharedBuckets* shared = buckets.empty() ? nullptr : buckets.front().limiter->shared_;
  for (const auto& b : buckets)
    if (b.limiter->shared_ != shared) shared = nullptr;
  if (shared) {
    std::vector<std::pair<std::string, BucketOptions>> keyed;
    for (const auto& b : buckets) keyed.emplace_back(b.limiter->name_ + b.key, b.limiter->options_);
    if (auto wait = co_await shared->run(std::move(keyed), take_one)) co_return *wait;
  }
  const auto now = now_ms();
  int longest = 0;
  for (const auto& b : buckets)
    longest = std::max(
        longest, take_one ? b.limiter->take(b.key, now) : b.limiter->retry_after_s(b.key, now));
  co_return longest;
}

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
