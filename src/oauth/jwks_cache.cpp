// The JWKS cache: a mutex over the key set and the waiters of the fetch in flight; the fetch
// itself runs on the HttpClient's thread, which also parses the keys and resumes the waiters.
#include "oauth/jwks_cache.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace gd::oauth {
namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void bump(std::atomic<std::uint64_t>* c) {
  if (c) c->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

JwksCache::JwksCache(net::HttpClient& http, JwksOptions options, JwksCounters counters)
    : http_(http), options_(std::move(options)), counters_(counters) {}

JwksCache::Lookup JwksCache::look_up(const std::string& kid, std::int64_t now,
                                     std::shared_ptr<EVP_PKEY>& out) {
  std::lock_guard lock(mu_);
  const bool fresh = keys_ && now < expires_ms_;
  if (keys_) {
    if (auto it = keys_->find(kid); it != keys_->end() && fresh) {
      out = it->second;
      return Lookup::kFound;
    }
  }
  const bool may_refetch = last_fetch_ms_ == 0 || now - last_fetch_ms_ >= options_.refetch_ms;
  return !fresh || may_refetch ? Lookup::kFetch : Lookup::kUnknown;
}

Task<Result<std::shared_ptr<EVP_PKEY>>> JwksCache::key(std::string kid) {
  std::shared_ptr<EVP_PKEY> out;
  const auto unknown = [] {
    return make_error(ErrorCode::kOauthTokenInvalid, "The ID token's key is not the provider's.");
  };
  switch (look_up(kid, steady_ms(), out)) {
    case Lookup::kFound:
      co_return out;
    case Lookup::kUnknown:
      co_return unknown();
    case Lookup::kFetch:
      break;
  }
  const bool ok = co_await fetch();
  std::lock_guard lock(mu_);
  // After a failed fetch the keys we had still verify (a provider outage does not stop
  // sign-ins with keys it published), but a kid we never saw cannot be told from a forgery.
  if (keys_)
    if (auto it = keys_->find(kid); it != keys_->end()) co_return it->second;
  if (!ok)
    co_return make_error(ErrorCode::kOauthProviderUnavailable,
                         "The sign-in provider's keys could not be fetched.");
  co_return unknown();
}

Task<bool> JwksCache::fetch() {
  auto initiate = [this](auto handler) {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    auto resume = [shared](bool ok) {
      auto ex = boost::asio::get_associated_executor(*shared);
      boost::asio::dispatch(ex, [shared, ok]() mutable { std::move (*shared)(ok); });
    };
    bool start = false;
    {
      std::lock_guard lock(mu_);
      waiters_.push_back(std::move(resume));
      if (!in_flight_) {
        in_flight_ = true;
        last_fetch_ms_ = steady_ms();
        start = true;
      }
    }
    if (!start) return;
    bump(counters_.fetches);
    net::HttpRequest req;
    req.method = "GET";
    req.url = options_.url;
    req.headers.push_back("Accept: application/json");
    http_.start(std::move(req), [this](net::HttpResponse r) { fetched(std::move(r)); });
  };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(bool)>(
      std::move(initiate), boost::asio::use_awaitable);
}

void JwksCache::fetched(net::HttpResponse r) {
  std::optional<KeySet> keys;
  if (r.status == 200) keys = parse_jwks(r.body);
  if (!keys) {
    bump(counters_.failures);
    spdlog::warn("JWKS fetch from {} failed: status {} {}", options_.url, r.status, r.error);
  }
  std::vector<std::function<void(bool)>> waiters;
  {
    std::lock_guard lock(mu_);
    if (keys) {
      keys_ = std::make_shared<const KeySet>(std::move(*keys));
      const auto age_s = max_age_s(r.header("cache-control")).value_or(options_.default_max_age_s);
      expires_ms_ = steady_ms() + age_s * 1000;
    }
    in_flight_ = false;
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) w(keys.has_value());
}

}  // namespace gd::oauth
