// SQL for sessions and refresh tokens; identical on both back ends.
#include "auth/session_store.hpp"

namespace gd::auth {

Task<void> SessionStore::create(Session s, std::string token_hash) {
  co_await db_.transact([&s, &token_hash](db::Tx& tx) -> Task<bool> {
    co_await tx.exec(
        "INSERT INTO sessions (id, user_id, device, created_at, last_used_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $4, $5)",
        db::params(s.id, s.user_id, s.device, s.created_at_ms, s.expires_at_ms));
    co_await tx.exec(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4)",
        db::params(token_hash, s.id, s.created_at_ms, s.expires_at_ms));
    co_return true;
  });
}

Task<Rotation> SessionStore::rotate(std::string old_hash, std::string new_hash, std::int64_t now_ms,
                                    std::int64_t ttl_ms) {
  Rotation out;
  co_await db_.transact([&](db::Tx& tx) -> Task<bool> {
    auto r = co_await tx.exec(
        "SELECT rt.session_id, rt.spent_at, rt.expires_at, s.user_id, s.revoked_at, s.expires_at "
        "FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id WHERE rt.token_hash = $1",
        db::params(old_hash));
    if (r.empty() || !r.is_null(0, 4) || r.i64(0, 2) <= now_ms || r.i64(0, 5) <= now_ms) {
      out.kind = Rotation::Kind::kInvalid;
      co_return false;
    }
    out.session_id = r.str(0, 0);
    out.user_id = r.str(0, 3);
    const auto spent = co_await tx.exec(
        "UPDATE refresh_tokens SET spent_at = $2 WHERE token_hash = $1 AND spent_at IS NULL",
        db::params(old_hash, now_ms));
    if (!r.is_null(0, 1) || spent.affected() != 1) {
      co_await tx.exec(
          "UPDATE sessions SET revoked_at = $2, revoked_reason = 'refresh_token_reuse' "
          "WHERE id = $1 AND revoked_at IS NULL",
          db::params(out.session_id, now_ms));
      out.kind = Rotation::Kind::kReused;
      co_return true;  // the revocation must stick
    }
    co_await tx.exec(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4)",
        db::params(new_hash, out.session_id, now_ms, now_ms + ttl_ms));
    co_await tx.exec("UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1",
                     db::params(out.session_id, now_ms, now_ms + ttl_ms));
    out.kind = Rotation::Kind::kRotated;
    co_return true;
  });
  co_return out;
}

Task<std::optional<SessionId>> SessionStore::revoke_by_token(UserId user, std::string token_hash,
                                                             std::int64_t now_ms) {
  auto r = co_await db_.read(
      "SELECT s.id FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id "
      "WHERE rt.token_hash = $1 AND s.user_id = $2 AND s.revoked_at IS NULL",
      db::params(std::move(token_hash), std::move(user.value)));
  if (r.empty()) co_return std::nullopt;
  auto id = r.str(0, 0);
  co_await db_.write(
      "UPDATE sessions SET revoked_at = $2, revoked_reason = 'logout' WHERE id = $1 AND "
      "revoked_at IS NULL",
      db::params(id, now_ms));
  co_return SessionId(std::move(id));
}

Task<void> SessionStore::revoke_all(UserId user, std::optional<SessionId> except_session,
                                    std::string reason, std::int64_t now_ms) {
  std::optional<std::string> except;
  if (except_session) except = std::move(except_session->value);
  co_await db_.write(
      "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND "
      "revoked_at IS NULL AND id <> COALESCE($4, '')",
      db::params(std::move(user.value), now_ms, std::move(reason), db::opt(except)));
}

Task<std::vector<Session>> SessionStore::end_expired(std::int64_t now_ms, int batch) {
  auto rows = co_await db_.write(
      "UPDATE sessions SET revoked_at = $1, revoked_reason = 'expired' WHERE id IN (SELECT id "
      "FROM sessions WHERE revoked_at IS NULL AND expires_at <= $1 LIMIT $2) AND revoked_at IS "
      "NULL RETURNING id, user_id",
      db::params(now_ms, std::int64_t{batch}));
  std::vector<Session> out;
  for (int i = 0; i < rows.size(); ++i) {
    Session s;
    s.id = rows.str(i, 0);
    s.user_id = rows.str(i, 1);
    s.revoked_at_ms = now_ms;
    out.push_back(std::move(s));
  }
  co_return out;
}

Task<bool> SessionStore::is_active(SessionId session, UserId user, std::int64_t now_ms) {
  auto r = co_await db_.read(
      "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND "
      "expires_at > $3",
      db::params(std::move(session.value), std::move(user.value), now_ms));
  co_return !r.empty();
}

Task<std::vector<Session>> SessionStore::list(std::string user_id) {
  auto r = co_await db_.read(
      "SELECT id, user_id, device, created_at, last_used_at, expires_at, revoked_at FROM sessions "
      "WHERE user_id = $1 ORDER BY created_at",
      db::params(std::move(user_id)));
  std::vector<Session> out;
  for (int i = 0; i < r.size(); ++i) {
    Session s{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.i64(i, 3), r.i64(i, 4), r.i64(i, 5), {}};
    if (!r.is_null(i, 6)) s.revoked_at_ms = r.i64(i, 6);
    out.push_back(std::move(s));
  }
  co_return out;
}

}  // namespace gd::auth
