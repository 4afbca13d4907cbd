// SQL for users; identical on SQLite and PostgreSQL.
#include "users/user_store.hpp"

#include "core/check.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/batched_lookup.hpp"

namespace gd::users {
namespace {

constexpr const char* kColumns =
    "id, email, password_hash, name, bio, avatar_url, lat, lng, points_balance, roles, "
    "is_active, tasks_completed, created_at, updated_at, deleted_at, locale, email_verified_at, "
    // The linked sign-in providers (a closed list: the identities table's CHECK).
    "EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id AND i.provider = 'google'), "
    "EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id AND i.provider = 'apple')";

User from_row(const db::Rows& r, int i) {
  User u;
  u.id = r.str(i, 0);
  u.email = r.opt(i, 1);
  u.password_hash = r.opt(i, 2);
  u.name = r.str(i, 3);
  u.bio = r.opt(i, 4);
  u.avatar_url = r.opt(i, 5);
  if (!r.is_null(i, 6) && !r.is_null(i, 7)) u.location = GeoPoint{r.f64(i, 6), r.f64(i, 7)};
  u.points_balance = r.i64(i, 8);
  u.roles = Roles::from_list(r.text(i, 9));
  u.is_active = r.boolean(i, 10);
  u.tasks_completed = r.i64(i, 11);
  u.created_at_ms = r.i64(i, 12);
  u.updated_at_ms = r.i64(i, 13);
  if (!r.is_null(i, 14)) u.deleted_at_ms = r.i64(i, 14);
  u.locale = r.str(i, 15);
  u.email_verified = !r.is_null(i, 16);
  if (r.boolean(i, 17)) u.identities.emplace_back("google");
  if (r.boolean(i, 18)) u.identities.emplace_back("apple");
  return u;
}

std::string by_email_sql() {
  return std::string("SELECT ") + kColumns + " FROM users WHERE email = $1 AND deleted_at IS NULL";
}

std::optional<User> first(const db::Rows& r) {
  if (r.empty()) return std::nullopt;
  return from_row(r, 0);
}

}  // namespace

UserStore::UserStore(db::Database& db) : db_(db) {
  // PostgreSQL: concurrent lookups by id share round trips (GET /users/me on every screen).
  if (db.dialect() == db::Dialect::kPostgres)
    by_id_ = std::make_unique<db::BatchedLookup>(
        db, std::string("SELECT ") + kColumns + " FROM users WHERE deleted_at IS NULL", "id", 0);
}

UserStore::~UserStore() = default;

Task<std::optional<User>> UserStore::find_by_id(std::string id) {
  if (by_id_) co_return first(co_await by_id_->get(std::move(id)));
  co_return first(co_await db_.read(
      std::string("SELECT ") + kColumns + " FROM users WHERE id = $1 AND deleted_at IS NULL",
      db::params(std::move(id))));
}

Task<std::optional<User>> UserStore::find_by_email(std::string email_lower) {
  co_return first(co_await db_.read(by_email_sql(), db::params(std::move(email_lower))));
}

namespace {

std::string insert_sql() {
  return std::string(
             "INSERT INTO users (id, email, password_hash, name, roles, created_at, updated_at, "
             "locale, email_verified_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING ") +
         kColumns;
}

db::Params insert_params(const NewUser& n) {
  return db::params(uuid_v7(), db::opt(n.email), db::opt(n.password_hash), n.name,
                    n.roles.to_list(), now_ms(), n.locale,
                    n.email_verified_at_ms ? db::Value(*n.email_verified_at_ms) : db::null());
}

}  // namespace

Task<Result<User>> UserStore::create(NewUser n) {
  try {
    auto rows = co_await db_.write(insert_sql(), insert_params(n));
    co_return from_row(rows, 0);
  } catch (const db::DbError& e) {
    if (!e.unique_violation()) throw;
  }
  co_return make_error(ErrorCode::kEmailTaken, "An account with this email already exists.");
}

Task<std::optional<User>> UserStore::find_by_email_in(db::Tx& tx, std::string email_lower) {
  co_return first(co_await tx.exec(by_email_sql(), db::params(std::move(email_lower))));
}

Task<User> UserStore::create_in(db::Tx& tx, NewUser n) {
  co_return from_row(co_await tx.exec(insert_sql(), insert_params(n)), 0);
}

Task<void> UserStore::prove_email_in(db::Tx& tx, std::string id, std::int64_t now,
                                     bool drop_password) {
  const auto r = co_await tx.exec(
      "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2), "
      "password_hash = CASE WHEN $3 = 1 THEN NULL ELSE password_hash END, updated_at = $2 "
      "WHERE id = $1 AND deleted_at IS NULL",
      db::params(std::move(id), now, std::int64_t{drop_password}));
  GD_CHECK(r.affected() == 1);
}

Task<std::optional<User>> UserStore::update_profile(std::string id, ProfileUpdate up) {
  // COALESCE-style update in one statement: a flag says whether each optional column is set.
  const bool set_bio = up.bio.has_value();
  const bool set_avatar = up.avatar_url.has_value();
  const bool set_location = up.location.has_value();
  const auto& loc = set_location ? *up.location : std::optional<GeoPoint>{};
  auto rows = co_await db_.write(
      std::string("UPDATE users SET name = COALESCE($2, name), "
                  "bio = CASE WHEN $10 = 1 THEN $3 ELSE bio END, "
                  "avatar_url = CASE WHEN $4 = 1 THEN $5 ELSE avatar_url END, "
                  "lat = CASE WHEN $6 = 1 THEN $7 ELSE lat END, "
                  "lng = CASE WHEN $6 = 1 THEN $8 ELSE lng END, updated_at = $9, "
                  "locale = COALESCE($11, locale) "
                  "WHERE id = $1 AND deleted_at IS NULL RETURNING ") +
          kColumns,
      db::params(std::move(id), db::opt(up.name), set_bio ? db::opt(*up.bio) : db::null(),
                 std::int64_t{set_avatar}, set_avatar ? db::opt(*up.avatar_url) : db::null(),
                 std::int64_t{set_location}, loc ? db::Value(loc->lat) : db::null(),
                 loc ? db::Value(loc->lng) : db::null(), now_ms(), std::int64_t{set_bio},
                 db::opt(up.locale)));
  co_return first(rows);
}

Task<void> UserStore::set_password_hash(std::string id, std::string hash) {
  co_await db_.write("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
                     db::params(std::move(id), std::move(hash), now_ms()));
}

Task<void> UserStore::set_roles(std::string id, Roles roles) {
  co_await db_.write("UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1",
                     db::params(std::move(id), roles.to_list(), now_ms()));
}

Task<std::optional<User>> UserStore::set_active(std::string id, bool active) {
  co_return first(co_await db_.write(
      std::string("UPDATE users SET is_active = $2, updated_at = $3 WHERE id = $1 AND deleted_at "
                  "IS NULL RETURNING ") +
          kColumns,
      db::params(std::move(id), std::int64_t{active}, now_ms())));
}

Task<bool> UserStore::any_admin() {
  const auto rows = co_await db_.read(
      "SELECT id FROM users WHERE deleted_at IS NULL AND is_active = 1 "
      "AND ',' || roles || ',' LIKE '%,admin,%' LIMIT 1");
  co_return !rows.empty();
}

Task<bool> UserStore::erase(std::string id) {
  const auto now = now_ms();
  auto rows = co_await db_.write(
      "UPDATE users SET email = NULL, password_hash = NULL, name = 'Deleted user', bio = NULL, "
      "avatar_url = NULL, lat = NULL, lng = NULL, oauth_provider = NULL, oauth_id = NULL, "
      "is_active = 0, deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
      db::params(std::move(id), now));
  co_return rows.affected() == 1;
}

Task<void> UserStore::count_completed_task(db::Tx& tx, std::string id) {
  const auto r = co_await tx.exec(
      "UPDATE users SET tasks_completed = tasks_completed + 1 WHERE id = $1", db::params(id));
  GD_CHECK(r.affected() == 1);
}

Task<std::string> UserStore::locale_in(db::Tx& tx, std::string id) {
  const auto r = co_await tx.exec("SELECT locale FROM users WHERE id = $1", db::params(id));
  co_return r.empty() ? std::string(kLocales[0]) : r.str(0, 0);
}

Task<EmailProof> UserStore::prove_email_in(db::Tx& tx, std::string id, std::string email,
                                           bool replace, std::int64_t now) {
  if (replace) {
    const auto holder = co_await tx.exec("SELECT 1 FROM users WHERE email = $1 AND id <> $2",
                                         db::params(email, id));
    if (!holder.empty()) co_return EmailProof::kTaken;
  }
  // Verified stays from the first proof while the address stays; a new address is proven now.
  const auto r = co_await tx.exec(
      "UPDATE users SET email_verified_at = CASE WHEN email = $2 THEN "
      "COALESCE(email_verified_at, $3) ELSE $3 END, email = $2, updated_at = $3 "
      "WHERE id = $1 AND deleted_at IS NULL AND ($4 = 1 OR email = $2)",
      db::params(std::move(id), std::move(email), now, std::int64_t{replace}));
  co_return r.affected() == 1 ? EmailProof::kVerified : EmailProof::kNoMatch;
}

}  // namespace gd::users
