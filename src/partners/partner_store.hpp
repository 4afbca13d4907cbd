// Persistence of partners, offers, partner API keys and redemptions over db::Database. The
// SQL is shared by both back ends.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "partners/partner.hpp"
#include "store/db.hpp"

namespace gd::partners {

// Fields an admin may change; absent ones stay as they are.
struct PartnerFields {
  std::optional<std::string> name, description;
  std::optional<std::optional<std::string>> logo_url;  // set to null clears it
  std::optional<bool> is_active;
};

struct OfferFields {
  std::optional<std::string> title, description;
  std::optional<std::int64_t> points_cost, valid_days;
  std::optional<bool> is_active;
};

// Keyset of the last item of a page: (sort key, id).
template <class K>
using After = std::optional<std::pair<K, std::string>>;

class PartnerStore {
 public:
  explicit PartnerStore(db::Database& db) : db_(db) {}
  db::Database& db() { return db_; }

  Task<void> insert_partner(Partner p);
  Task<std::optional<Partner>> partner(std::string id);
  // By name, then id; up to limit + 1 so the caller knows whether more follow.
  Task<std::vector<Partner>> partners(bool active_only, int limit, After<std::string> after);
  Task<std::optional<Partner>> update_partner(std::string id, PartnerFields f, std::int64_t now);

  Task<void> insert_offer(Offer o);
  Task<std::optional<Offer>> offer(std::string id);
  // Cheapest first, at most `limit`.
  Task<std::vector<Offer>> offers_of(std::string partner_id, bool active_only, int limit);
  // The active offers of several partners, by partner, cheapest first.
  Task<std::vector<Offer>> active_offers_of(std::vector<std::string> partner_ids);
  Task<std::int64_t> active_offers(std::string partner_id);
  Task<std::optional<Offer>> update_offer(std::string id, OfferFields f, std::int64_t now);
  // The offer and whether its partner is active, read (and on PostgreSQL share-locked)
  // inside a redemption's transaction.
  static Task<std::optional<std::pair<Offer, bool>>> offer_for_redemption(db::Tx& tx,
                                                                          std::string id,
                                                                          db::Dialect dialect);

  Task<void> insert_key(ApiKeyInfo k, std::string hash);
  Task<std::vector<ApiKeyInfo>> keys_of(std::string partner_id);
  Task<std::int64_t> live_keys(std::string partner_id);
  // False when the partner has no such key; revoking a revoked key changes nothing.
  Task<bool> revoke_key(std::string partner_id, std::string key_id, std::int64_t now);
  // (key id, partner id) of a live key of an active partner.
  Task<std::optional<std::pair<std::string, std::string>>> key_owner(std::string hash);

  // False (nothing written) when the code is taken already.
  static Task<bool> insert_redemption(db::Tx& tx, Redemption r);
  static Task<std::optional<Redemption>> redemption(db::Tx& tx, std::string id);
  Task<std::optional<Redemption>> redemption_by_code(std::string code);
  // Newest first; up to limit + 1.
  Task<std::vector<Redemption>> redemptions_of(std::string user_id, int limit,
                                               After<std::int64_t> after);
  // active -> used, for this partner's unexpired code; nullopt when nothing changed.
  Task<std::optional<Redemption>> consume(std::string partner_id, std::string code,
                                          std::int64_t now);
  // active (expired or not) -> refunded; false when it was not active.
  static Task<bool> mark_refunded(db::Tx& tx, std::string id, std::int64_t now);

 private:
  db::Database& db_;
};

}  // namespace gd::partners
