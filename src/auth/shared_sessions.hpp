// Session revocation across processes (--redis-url): every session end bumps its user's
// revocation count in Redis before the request that ended it answers, and a process trusts
// its session cache only while the count it cached with is still the count in Redis. So a
// logout on one node is refused on every other at once, at the price of one Redis round trip
// per authenticated request instead of none. Redis unreachable: the cache alone decides, as
// without Redis (a revocation elsewhere then lags by at most --session-cache-ms).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/async.hpp"

namespace gd::redis {
class Client;
}

namespace gd::auth {

class SharedSessions {
 public:
  // `keep_ms`: how long a count outlives its last bump (the longest session life).
  SharedSessions(redis::Client& redis, std::int64_t keep_ms);
  // After a session end of `user_id` is stored.
  Task<void> ended(std::string user_id);
  // The user's count (0 before any end); nullopt when Redis did not answer.
  Task<std::optional<long long>> count(std::string user_id);

 private:
  std::string key(const std::string& user_id) const;
  redis::Client& redis_;
  std::int64_t keep_ms_;
  std::string prefix_;
};

}  // namespace gd::auth
