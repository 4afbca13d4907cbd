// Active users: noted once per account and day, counted from users.last_seen_day.
#include "users/activity.hpp"

#include <spdlog/spdlog.h>

#include <functional>

#include "core/clock.hpp"

namespace gd::users {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kMonthDays = 30;  // MAU: today and the 29 UTC days before

}  // namespace

// Holds an account's place in the day's set while its write runs: if the write fails or the
// request is dropped before it ends, the place is given up, so a later request writes again.
class Activity::Mark {
 public:
  Mark(Activity& a, std::uint64_t hash, std::int64_t day) : a_(a), hash_(hash), day_(day) {}
  Mark(const Mark&) = delete;
  Mark& operator=(const Mark&) = delete;
  ~Mark() {
    if (!kept_) a_.forget(hash_, day_);
  }
  void keep() { kept_ = true; }

 private:
  Activity& a_;
  std::uint64_t hash_;
  std::int64_t day_;
  bool kept_ = false;
};

bool Activity::first_today(std::uint64_t user_hash, std::int64_t day) {
  std::lock_guard lock(mu_);
  if (day != day_) {
    if (day < day_) return false;  // a request that read the clock just before midnight
    seen_.clear();
    day_ = day;
  }
  return seen_.insert(user_hash).second;
}

void Activity::forget(std::uint64_t user_hash, std::int64_t day) {
  std::lock_guard lock(mu_);
  if (day == day_) seen_.erase(user_hash);
}

Task<void> Activity::note(std::string user_id, std::uint64_t hash, std::int64_t day) {
  Mark mark(*this, hash, day);
  try {
    co_await db_.write(
        "UPDATE users SET last_seen_day = $1 "
        "WHERE id = $2 AND (last_seen_day IS NULL OR last_seen_day < $1)",
        db::params(day, std::move(user_id)));
    mark.keep();
  } catch (const std::exception& e) {
    // The request goes on: an activity mark is not worth refusing it for.
    spdlog::warn("active users: noting an account's day failed: {}", e.what());
  }
}

Task<Result<http::Principal>> Activity::authenticate(std::string bearer_token, bool current_roles) {
  auto who = co_await inner_.authenticate(std::move(bearer_token), current_roles);
  if (who && !who->user_id.empty()) {
    // The common case, an account already noted today, costs a hash and a set lookup.
    const std::int64_t day = now_ms() / kDayMs;
    const std::uint64_t hash = std::hash<std::string>{}(who->user_id);
    if (first_today(hash, day)) co_await note(who->user_id, hash, day);
  }
  co_return who;
}

Task<void> Activity::refresh() {
  const std::int64_t now = now_ms();
  if (now - counted_at_ms_.load(std::memory_order_relaxed) < count_cache_ms_) co_return;
  const std::int64_t today = now / kDayMs;
  try {
    const auto r = co_await db_.read(
        "SELECT COALESCE(SUM(CASE WHEN last_seen_day >= $1 THEN 1 ELSE 0 END), 0), COUNT(*) "
        "FROM users WHERE last_seen_day >= $2",
        db::params(today, today - (kMonthDays - 1)));
    daily_.store(r.i64(0, 0), std::memory_order_relaxed);
    monthly_.store(r.i64(0, 1), std::memory_order_relaxed);
    counted_at_ms_.store(now, std::memory_order_relaxed);
  } catch (const std::exception& e) {
    spdlog::warn("active users: counting failed, /metrics shows the last count: {}", e.what());
  }
}

void Activity::attach_metrics(Metrics& m) {
  m.gauge("gooddeeds_daily_active_users",
          "Accounts with an authenticated request on the current UTC day (whole service).",
          [this] { return static_cast<double>(daily_.load(std::memory_order_relaxed)); });
  m.gauge("gooddeeds_monthly_active_users",
          "Accounts with an authenticated request within the last 30 UTC days (whole service).",
          [this] { return static_cast<double>(monthly_.load(std::memory_order_relaxed)); });
}

}  // namespace gd::users
