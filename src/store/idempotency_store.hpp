// Idempotency keys over db::Database (both back ends, shared SQL).
#pragma once
#include "core/idempotency.hpp"
#include "store/db.hpp"

namespace gd::db {

class IdempotencyKeys final : public IdempotencyStore {
 public:
  static constexpr std::int64_t kKeepMs = 24LL * 3600 * 1000;
  // A "running" record older than this belongs to a request that died: it may be taken over.
  static constexpr std::int64_t kStaleRunningMs = 60'000;

  explicit IdempotencyKeys(Database& db) : db_(db) {}
  Task<Begin> begin(std::string user_id, std::string key, std::string request_hash) override;
  Task<void> finish(std::string user_id, std::string key, StoredResponse response) override;
  Task<void> abandon(std::string user_id, std::string key) override;

 private:
  Database& db_;
};

}  // namespace gd::db
