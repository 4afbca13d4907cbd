// A provider's JWKS, cached in this process: kept for the response's Cache-Control max-age
// (a default when it has none), fetched again when a token names a kid it lacks, but at most
// once per refetch interval. Fetches go through net::HttpClient (its own thread); a fetch in
// flight is shared by every request that waits for keys, so a burst of sign-ins after an
// expiry costs one request to the provider.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/result.hpp"
#include "net/http_client.hpp"
#include "oauth/id_token.hpp"

namespace gd::oauth {

struct JwksOptions {
  std::string url;
  std::int64_t refetch_ms = 60'000;
  std::int64_t default_max_age_s = 3'600;
};

struct JwksCounters {
  std::atomic<std::uint64_t>* fetches = nullptr;
  std::atomic<std::uint64_t>* failures = nullptr;
};

class JwksCache {
 public:
  JwksCache(net::HttpClient& http, JwksOptions options, JwksCounters counters);
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  // The key named `kid`: OAUTH_TOKEN_INVALID when the provider does not list it,
  // OAUTH_PROVIDER_UNAVAILABLE when the keys could not be fetched.
  Task<Result<std::shared_ptr<EVP_PKEY>>> key(std::string kid);

 private:
  enum class Lookup { kFound, kUnknown, kFetch };
  Lookup look_up(const std::string& kid, std::int64_t now_ms, std::shared_ptr<EVP_PKEY>& out);
  // Joins the fetch in flight or starts one; true when it brought a key set.
  Task<bool> fetch();
  void fetched(net::HttpResponse response);  // on the HttpClient's thread

  net::HttpClient& http_;
  JwksOptions options_;
  JwksCounters counters_;
  std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;  // null until the first fetch succeeds
  std::int64_t expires_ms_ = 0;         // steady clock
  std::int64_t last_fetch_ms_ = 0;      // when the last fetch started (steady clock)
  bool in_flight_ = false;
  std::vector<std::function<void(bool)>> waiters_;  // resume on their own executors
};

}  // namespace gd::oauth
