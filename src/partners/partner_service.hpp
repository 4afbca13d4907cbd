// The rules of partners and offers: the public catalogue, what admins may change, partner API
// keys (issued once, stored hashed) and their verification for the partner API.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "http/types.hpp"
#include "partners/partner_store.hpp"

namespace gd::partners {

// Per partner: active offers (the catalogue lists them all, so this bounds its pages) and
// live API keys. --max-offers-per-partner, --max-api-keys-per-partner.
struct PartnerLimits {
  int max_active_offers = 100;
  int max_live_keys = 10;
};

struct IssuedKey {
  ApiKeyInfo info;
  std::string key;  // the secret, shown once
};

class PartnerService final : public http::ApiKeyAuthenticator {
 public:
  explicit PartnerService(PartnerStore& store, PartnerLimits limits = {})
      : store_(store), limits_(limits) {}

  // Public: active partners by name with their active offers (up to limit + 1), and one
  // active partner with its active offers.
  Task<std::vector<PartnerDetail>> catalogue(int limit, After<std::string> after);
  Task<Result<PartnerDetail>> catalogue_entry(std::string id);

  // Admin.
  Task<std::vector<Partner>> all_partners(int limit, After<std::string> after) {
    return store_.partners(false, limit, std::move(after));
  }
  Task<Result<PartnerDetail>> admin_view(std::string id);
  Task<Partner> create_partner(PartnerFields f);
  Task<Result<Partner>> update_partner(std::string id, PartnerFields f);
  Task<Result<Offer>> create_offer(std::string partner_id, OfferFields f);
  Task<Result<Offer>> update_offer(std::string id, OfferFields f);
  Task<Result<IssuedKey>> issue_key(std::string partner_id, std::string admin_id);
  Task<Status> revoke_key(std::string partner_id, std::string key_id, std::string admin_id);

  // Partner API: a live key of an active partner. The principal's user_id is the partner's
  // id, its session_id the key's id.
  Task<Result<http::Principal>> authenticate_key(std::string api_key) override;

 private:
  Error offer_limit() const;
  PartnerStore& store_;
  PartnerLimits limits_;
};

}  // namespace gd::partners
