// Partner, offer, key and redemption SQL; identical on SQLite and PostgreSQL.
#include "partners/partner_store.hpp"

namespace gd::partners {
namespace {

constexpr const char* kPartnerColumns =
    "id, name, logo_url, description, is_active, created_at, updated_at";
constexpr const char* kOfferColumns =
    "id, partner_id, title, description, points_cost, valid_days, is_active, created_at, "
    "updated_at";
constexpr const char* kKeyColumns = "id, partner_id, prefix, created_by, created_at, revoked_at";
constexpr const char* kRedemptionColumns =
    "id, user_id, partner_id, offer_id, points_spent, code, status, expires_at, used_at, "
    "created_at, updated_at";

Partner partner_from(const db::Rows& r, int i) {
  return {r.str(i, 0),     r.str(i, 1), r.opt(i, 2), r.str(i, 3),
          r.boolean(i, 4), r.i64(i, 5), r.i64(i, 6)};
}

Offer offer_from(const db::Rows& r, int i, int c = 0) {
  return {r.str(i, c),     r.str(i, c + 1),     r.str(i, c + 2), r.str(i, c + 3), r.i64(i, c + 4),
          r.i64(i, c + 5), r.boolean(i, c + 6), r.i64(i, c + 7), r.i64(i, c + 8)};
}

ApiKeyInfo key_from(const db::Rows& r, int i) {
  ApiKeyInfo k{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.i64(i, 4), {}};
  if (!r.is_null(i, 5)) k.revoked_at_ms = r.i64(i, 5);
  return k;
}

Redemption redemption_from(const db::Rows& r, int i) {
  Redemption x{r.str(i, 0),
               r.str(i, 1),
               r.str(i, 2),
               r.str(i, 3),
               r.i64(i, 4),
               r.str(i, 5),
               stored_code_status(r.text(i, 6)),
               r.i64(i, 7),
               {},
               r.i64(i, 9),
               r.i64(i, 10)};
  if (!r.is_null(i, 8)) x.used_at_ms = r.i64(i, 8);
  return x;
}

template <class T, class F>
std::vector<T> all(const db::Rows& r, F from) {
  std::vector<T> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(from(r, i));
  return out;
}

db::Value flag(const std::optional<bool>& b) {
  return b ? db::Value(std::int64_t{*b}) : db::null();
}

db::Value num(const std::optional<std::int64_t>& n) {
  return n ? db::Value(*n) : db::null();
}

std::string sel(const char* columns, const char* rest) {
  return std::string("SELECT ") + columns + " " + rest;
}

}  // namespace

Task<void> PartnerStore::insert_partner(Partner p) {
  co_await db_.write(
      "INSERT INTO partners (id, name, logo_url, description, is_active, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
      db::params(p.id, p.name, db::opt(p.logo_url), p.description, std::int64_t{p.is_active},
                 p.created_at_ms));
}

Task<std::optional<Partner>> PartnerStore::partner(std::string id) {
  auto r = co_await db_.read(sel(kPartnerColumns, "FROM partners WHERE id = $1"),
                             db::params(std::move(id)));
  if (r.empty()) co_return std::nullopt;
  co_return partner_from(r, 0);
}

Task<std::vector<Partner>> PartnerStore::partners(bool active_only, int limit,
                                                  After<std::string> after) {
  auto r = co_await db_.read(
      sel(kPartnerColumns,
          "FROM partners WHERE ($1 = 0 OR is_active = 1) AND ($2 = 0 OR name > $3 OR (name = "
          "$3 AND id > $4)) ORDER BY name, id LIMIT $5"),
      db::params(std::int64_t{active_only}, std::int64_t{after.has_value()},
                 after ? after->first : std::string(), after ? after->second : std::string(),
                 std::int64_t{limit + 1}));
  co_return all<Partner>(r, partner_from);
}

Task<std::optional<Partner>> PartnerStore::update_partner(std::string id, PartnerFields f,
                                                          std::int64_t now) {
  const bool set_logo = f.logo_url.has_value();
  auto r = co_await db_.write(
      std::string("UPDATE partners SET name = COALESCE($2, name), description = COALESCE($3, "
                  "description), logo_url = CASE WHEN $4 = 1 THEN $5 ELSE logo_url END, "
                  "is_active = COALESCE($6, is_active), updated_at = $7 WHERE id = $1 "
                  "RETURNING ") +
          kPartnerColumns,
      db::params(std::move(id), db::opt(f.name), db::opt(f.description), std::int64_t{set_logo},
                 set_logo ? db::opt(*f.logo_url) : db::null(), flag(f.is_active), now));
  if (r.empty()) co_return std::nullopt;
  co_return partner_from(r, 0);
}

Task<void> PartnerStore::insert_offer(Offer o) {
  co_await db_.write(
      "INSERT INTO offers (id, partner_id, title, description, points_cost, valid_days, "
      "is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
      db::params(o.id, o.partner_id, o.title, o.description, o.points_cost, o.valid_days,
                 std::int64_t{o.is_active}, o.created_at_ms));
}

Task<std::optional<Offer>> PartnerStore::offer(std::string id) {
  auto r =
      co_await db_.read(sel(kOfferColumns, "FROM offers WHERE id = $1"), db::params(std::move(id)));
  if (r.empty()) co_return std::nullopt;
  co_return offer_from(r, 0);
}

Task<std::vector<Offer>> PartnerStore::offers_of(std::string partner_id, bool active_only,
                                                 int limit) {
  auto r = co_await db_.read(
      sel(kOfferColumns,
          "FROM offers WHERE partner_id = $1 AND ($2 = 0 OR is_active = 1) ORDER BY "
          "points_cost, id LIMIT $3"),
      db::params(std::move(partner_id), std::int64_t{active_only}, std::int64_t{limit}));
  co_return all<Offer>(r, [](const db::Rows& rows, int i) { return offer_from(rows, i); });
}

Task<std::vector<Offer>> PartnerStore::active_offers_of(std::vector<std::string> partner_ids) {
  if (partner_ids.empty()) co_return std::vector<Offer>{};
  const std::string in = db::placeholders(1, partner_ids.size());
  db::Params params(std::make_move_iterator(partner_ids.begin()),
                    std::make_move_iterator(partner_ids.end()));
  auto r =
      co_await db_.read(sel(kOfferColumns, "FROM offers WHERE is_active = 1 AND partner_id IN (") +
                            in + ") ORDER BY partner_id, points_cost, id",
                        std::move(params));
  co_return all<Offer>(r, [](const db::Rows& rows, int i) { return offer_from(rows, i); });
}

Task<std::int64_t> PartnerStore::active_offers(std::string partner_id) {
  auto r = co_await db_.read("SELECT COUNT(*) FROM offers WHERE partner_id = $1 AND is_active = 1",
                             db::params(std::move(partner_id)));
  co_return r.i64(0, 0);
}

Task<std::optional<Offer>> PartnerStore::update_offer(std::string id, OfferFields f,
                                                      std::int64_t now) {
  auto r = co_await db_.write(
      std::string("UPDATE offers SET title = COALESCE($2, title), description = COALESCE($3, "
                  "description), points_cost = COALESCE($4, points_cost), valid_days = "
                  "COALESCE($5, valid_days), is_active = COALESCE($6, is_active), updated_at = "
                  "$7 WHERE id = $1 RETURNING ") +
          kOfferColumns,
      db::params(std::move(id), db::opt(f.title), db::opt(f.description), num(f.points_cost),
                 num(f.valid_days), flag(f.is_active), now));
  if (r.empty()) co_return std::nullopt;
  co_return offer_from(r, 0);
}

Task<std::optional<std::pair<Offer, bool>>> PartnerStore::offer_for_redemption(
    db::Tx& tx, std::string id, db::Dialect dialect) {
  // On PostgreSQL the offer and its partner stay share-locked until the redemption commits,
  // so a deactivation waits for redemptions already under way, and one that started after
  // it sees the offer inactive. (SQLite runs one writing transaction at a time.)
  auto r = co_await tx.exec(
      std::string("SELECT o.id, o.partner_id, o.title, o.description, o.points_cost, "
                  "o.valid_days, o.is_active, o.created_at, o.updated_at, p.is_active FROM "
                  "offers o JOIN partners p ON p.id = o.partner_id WHERE o.id = $1") +
          (dialect == db::Dialect::kPostgres ? " FOR SHARE OF o, p" : ""),
      db::params(std::move(id)));
  if (r.empty()) co_return std::nullopt;
  co_return std::make_pair(offer_from(r, 0), r.boolean(0, 9));
}

Task<void> PartnerStore::insert_key(ApiKeyInfo k, std::string hash) {
  co_await db_.write(
      "INSERT INTO partner_api_keys (id, partner_id, key_hash, prefix, created_by, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      db::params(k.id, k.partner_id, std::move(hash), k.prefix, k.created_by, k.created_at_ms));
}

Task<std::vector<ApiKeyInfo>> PartnerStore::keys_of(std::string partner_id) {
  auto r = co_await db_.read(
      sel(kKeyColumns, "FROM partner_api_keys WHERE partner_id = $1 ORDER BY created_at, id"),
      db::params(std::move(partner_id)));
  co_return all<ApiKeyInfo>(r, key_from);
}

Task<std::int64_t> PartnerStore::live_keys(std::string partner_id) {
  auto r = co_await db_.read(
      "SELECT COUNT(*) FROM partner_api_keys WHERE partner_id = $1 AND revoked_at IS NULL",
      db::params(std::move(partner_id)));
  co_return r.i64(0, 0);
}

Task<bool> PartnerStore::revoke_key(std::string partner_id, std::string key_id, std::int64_t now) {
  auto r = co_await db_.write(
      "UPDATE partner_api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND "
      "partner_id = $2",
      db::params(std::move(key_id), std::move(partner_id), now));
  co_return r.affected() == 1;
}

Task<std::optional<std::pair<std::string, std::string>>> PartnerStore::key_owner(std::string hash) {
  auto r = co_await db_.read(
      "SELECT k.id, k.partner_id FROM partner_api_keys k JOIN partners p ON p.id = k.partner_id "
      "WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND p.is_active = 1",
      db::params(std::move(hash)));
  if (r.empty()) co_return std::nullopt;
  co_return std::make_pair(r.str(0, 0), r.str(0, 1));
}

Task<bool> PartnerStore::insert_redemption(db::Tx& tx, Redemption x) {
  auto r = co_await tx.exec(
      "INSERT INTO redemptions (id, user_id, partner_id, offer_id, points_spent, code, status, "
      "expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $8) "
      "ON CONFLICT (code) DO NOTHING",
      db::params(x.id, x.user_id, x.partner_id, x.offer_id, x.points_spent, x.code, x.expires_at_ms,
                 x.created_at_ms));
  co_return r.affected() == 1;
}

Task<std::optional<Redemption>> PartnerStore::redemption(db::Tx& tx, std::string id) {
  auto r = co_await tx.exec(sel(kRedemptionColumns, "FROM redemptions WHERE id = $1"),
                            db::params(std::move(id)));
  if (r.empty()) co_return std::nullopt;
  co_return redemption_from(r, 0);
}

Task<std::optional<Redemption>> PartnerStore::redemption_by_code(std::string code) {
  auto r = co_await db_.read(sel(kRedemptionColumns, "FROM redemptions WHERE code = $1"),
                             db::params(std::move(code)));
  if (r.empty()) co_return std::nullopt;
  co_return redemption_from(r, 0);
}

Task<std::vector<Redemption>> PartnerStore::redemptions_of(std::string user_id, int limit,
                                                           After<std::int64_t> after) {
  auto r = co_await db_.read(
      sel(kRedemptionColumns,
          "FROM redemptions WHERE user_id = $1 AND ($2 = 0 OR created_at < $3 OR (created_at = "
          "$3 AND id < $4)) ORDER BY created_at DESC, id DESC LIMIT $5"),
      db::params(std::move(user_id), std::int64_t{after.has_value()}, after ? after->first : 0,
                 after ? after->second : std::string(), std::int64_t{limit + 1}));
  co_return all<Redemption>(r, redemption_from);
}

Task<std::optional<Redemption>> PartnerStore::consume(std::string partner_id, std::string code,
                                                      std::int64_t now) {
  auto r = co_await db_.write(
      std::string("UPDATE redemptions SET status = 'used', used_at = $3, updated_at = $3 WHERE "
                  "code = $1 AND partner_id = $2 AND status = 'active' AND expires_at > $3 "
                  "RETURNING ") +
          kRedemptionColumns,
      db::params(std::move(code), std::move(partner_id), now));
  if (r.empty()) co_return std::nullopt;
  co_return redemption_from(r, 0);
}

Task<bool> PartnerStore::mark_refunded(db::Tx& tx, std::string id, std::int64_t now) {
  auto r = co_await tx.exec(
      "UPDATE redemptions SET status = 'refunded', updated_at = $2 WHERE id = $1 AND status = "
      "'active'",
      db::params(std::move(id), now));
  co_return r.affected() == 1;
}

}  // namespace gd::partners
