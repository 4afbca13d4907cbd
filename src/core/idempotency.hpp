// Idempotency keys for money-like POSTs: what is stored per (user, key), and the persistence
// interface (implemented over the database in store/idempotency_store.cpp). The decorator that
// applies it to a route lives in http/idempotency.hpp.
#pragma once
#include <string>

#include "core/async.hpp"

namespace gd {

struct StoredResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

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

}  // namespace gd
