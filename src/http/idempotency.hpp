// Idempotency-Key handling for money-like POSTs, as a decorator around a route handler:
// a repeat with the same key and request replays the stored first response, the same key
// with another request is 422, the same key while the first is still running is 409.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "http/types.hpp"

namespace gd::http {

struct StoredResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

// Persistence of keys; implemented over the database in store/idempotency_store.cpp.
class IdempotencyStore {
 public:
  enum class Outcome { kStarted, kReplay, kMismatch, kInProgress };
  struct Begin {
    Outcome outcome = Outcome::kStarted;
    StoredResponse stored;  // for kReplay
  };
  virtual ~IdempotencyStore() = default;
  virtual Task<Begin> begin(std::string user_id, std::string key, std::string request_hash) = 0;
  virtual Task<void> finish(std::string user_id, std::string key, StoredResponse response) = 0;
  virtual Task<void> abandon(std::string user_id, std::string key) = 0;
};

Handler with_idempotency(IdempotencyStore* store, Handler inner);

}  // namespace gd::http
