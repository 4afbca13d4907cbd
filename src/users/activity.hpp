// Daily and monthly active users: distinct accounts with an authenticated request on the
// current UTC day and within the last 30 UTC days. A decorator of the pipeline's bearer-token
// authenticator notes each account's first request of the day in users.last_seen_day (at most
// one write per account, day and process: an in-memory set of the day's accounts guards it),
// and the counts are read from the database at scrape time, cached for a short while, so every
// process on one PostgreSQL reports the same numbers (docs/operations.md, "Monitoring").
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>

#include "core/async.hpp"
#include "core/metrics.hpp"
#include "http/types.hpp"
#include "store/db.hpp"

namespace gd::users {

class Activity final : public http::Authenticator {
 public:
  // `inner` authenticates; `count_cache_ms`: how long one count serves scrapes.
  Activity(db::Database& db, http::Authenticator& inner, std::int64_t count_cache_ms)
      : db_(db), inner_(inner), count_cache_ms_(count_cache_ms) {}

  Task<Result<http::Principal>> authenticate(std::string bearer_token, bool current_roles) override;
  // Counts again when the last count is older than the cache time; a failure keeps the old
  // numbers (logged). Awaited by /metrics before it renders.
  Task<void> refresh();
  // gooddeeds_daily_active_users and gooddeeds_monthly_active_users.
  void attach_metrics(Metrics& m);

 private:
  class Mark;
  // Whether the account (by its id's hash) was not noted yet today by this process; it is now.
  bool first_today(std::uint64_t user_hash, std::int64_t day);
  void forget(std::uint64_t user_hash, std::int64_t day);
  // Writes the day into the account's row.
  Task<void> note(std::string user_id, std::uint64_t user_hash, std::int64_t day);

  db::Database& db_;
  http::Authenticator& inner_;
  const std::int64_t count_cache_ms_;
  std::mutex mu_;
  std::int64_t day_ = -1;
  // 64-bit hashes of the day's user ids: 16 bytes an account rather than its id. A collision
  // (about 1 in 10^7 at a million accounts a day) leaves one account unnoted by this process.
  std::unordered_set<std::uint64_t> seen_;
  std::atomic<std::int64_t> daily_{0};
  std::atomic<std::int64_t> monthly_{0};
  std::atomic<std::int64_t> counted_at_ms_{0};
};

}  // namespace gd::users
