// Idempotency keys: insert-or-inspect, with expiry after 24 hours and takeover of records
// whose request died.
#include "store/idempotency_store.hpp"

#include "core/clock.hpp"

namespace gd::db {

Task<IdempotencyStore::Begin> IdempotencyKeys::begin(std::string user, std::string key,
                                                     std::string hash) {
  const auto now = now_ms();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto inserted = co_await db_.write(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, state, created_at) VALUES ($1, "
        "$2, $3, 'running', $4) ON CONFLICT DO NOTHING",
        params(user, key, hash, now));
    if (inserted.affected() == 1) co_return Begin{Outcome::kStarted, {}};
    auto r = co_await db_.read(
        "SELECT request_hash, state, status, content_type, body, created_at FROM idempotency_keys "
        "WHERE user_id = $1 AND key = $2",
        params(user, key));
    if (r.empty()) continue;  // removed in between: try the insert again
    const auto created = r.i64(0, 5);
    if (created < now - kKeepMs) {
      co_await db_.write(
          "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at = $3",
          params(user, key, created));
      continue;
    }
    if (r.text(0, 0) != hash) co_return Begin{Outcome::kMismatch, {}};
    if (r.text(0, 1) == "done")
      co_return Begin{Outcome::kReplay, {static_cast<int>(r.i64(0, 2)), r.str(0, 3), r.str(0, 4)}};
    if (created < now - kStaleRunningMs) {
      auto taken = co_await db_.write(
          "UPDATE idempotency_keys SET created_at = $3 WHERE user_id = $1 AND key = $2 AND state "
          "= 'running' AND created_at = $4",
          params(user, key, now, created));
      if (taken.affected() == 1) co_return Begin{Outcome::kStarted, {}};
    }
    co_return Begin{Outcome::kInProgress, {}};
  }
  co_return Begin{Outcome::kInProgress, {}};
}

Task<void> IdempotencyKeys::finish(std::string user, std::string key, StoredResponse response) {
  co_await db_.write(
      "UPDATE idempotency_keys SET state = 'done', status = $3, content_type = $4, body = $5 "
      "WHERE user_id = $1 AND key = $2",
      params(std::move(user), std::move(key), std::int64_t{response.status},
             std::move(response.content_type), std::move(response.body)));
}

Task<void> IdempotencyKeys::abandon(std::string user, std::string key) {
  co_await db_.write("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                     params(std::move(user), std::move(key)));
}

}  // namespace gd::db
