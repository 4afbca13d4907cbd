// Revocation counts: one Redis key per user that ever ended a session, expiring after the
// longest session life (a lost count reads 0, which only costs a database check).
#include "auth/shared_sessions.hpp"

#include <spdlog/spdlog.h>

#include "redis/redis_client.hpp"

namespace gd::auth {
namespace {

constexpr const char* kBumpScript = R"lua(
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n
)lua";

}  // namespace

SharedSessions::SharedSessions(redis::Client& redis, std::int64_t keep_ms)
    : redis_(redis), keep_ms_(keep_ms), prefix_("gooddeeds:ended:") {}

std::string SharedSessions::key(const std::string& user_id) const {
  return prefix_ + user_id;
}

Task<void> SharedSessions::ended(std::string user_id) {
  auto r = co_await redis_.eval(kBumpScript, {key(user_id)}, {std::to_string(keep_ms_)});
  if (r.type != redis::Reply::Type::kInteger)
    spdlog::warn("sessions of {} ended; other processes may trust their cache a while: {}", user_id,
                 r.str);
}

Task<std::optional<long long>> SharedSessions::count(std::string user_id) {
  auto r = co_await redis_.command({"GET", key(user_id)});
  if (r.type == redis::Reply::Type::kNil) co_return 0;
  if (r.type != redis::Reply::Type::kString) co_return std::nullopt;
  try {
    co_return std::stoll(r.str);
  } catch (const std::exception&) {
    co_return std::nullopt;
  }
}

}  // namespace gd::auth
