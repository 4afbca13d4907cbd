// Device sessions and their refresh-token families, over db::Database for both back ends.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/ids.hpp"
#include "store/db.hpp"

namespace gd::auth {

struct Session {
  std::string id;
  std::string user_id;
  std::string device;
  std::int64_t created_at_ms = 0;
  std::int64_t last_used_at_ms = 0;
  std::int64_t expires_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
};

struct Rotation {
  enum class Kind { kRotated, kInvalid, kReused } kind = Kind::kInvalid;
  std::string session_id;
  std::string user_id;
};

class SessionStore {
 public:
  explicit SessionStore(db::Database& db) : db_(db) {}

  Task<void> create(Session s, std::string token_hash);
  // Spends old_hash and issues new_hash in one transaction. A spent or raced token revokes the
  // whole session (theft detection) and the revocation is committed.
  Task<Rotation> rotate(std::string old_hash, std::string new_hash, std::int64_t now_ms,
                        std::int64_t ttl_ms);
  // Revokes the session that owns token_hash if it belongs to user_id; returns its id.
  Task<std::optional<SessionId>> revoke_by_token(UserId user, std::string token_hash,
                                                 std::int64_t now_ms);
  Task<void> revoke_all(UserId user, std::optional<SessionId> except_session, std::string reason,
                        std::int64_t now_ms);
  Task<bool> is_active(SessionId session, UserId user, std::int64_t now_ms);
  // Marks up to `batch` sessions that ran out by now_ms as revoked ('expired'), so that
  // what ends with a session (its devices: a trigger) ends with them. Returns them.
  Task<std::vector<Session>> end_expired(std::int64_t now_ms, int batch);
  Task<std::vector<Session>> list(std::string user_id);

 private:
  db::Database& db_;
};

}  // namespace gd::auth
