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
  Task<Result<PartnerDetail>> catalogue_entry(PartnerId id);

  // Admin.
  Task<std::vector<Partner>> all_partners(int limit, After<std::string> after) {
    return store_.partners(false, limit, std::move(after));
  }
  Task<Result<PartnerDetail>> admin_view(PartnerId id);
  Task<Partner> create_partner(PartnerFields f);
  Task<Result<Partner>> update_partner(PartnerId id, PartnerFields f);
  Task<Result<Offer>> create_offer(PartnerId partner, OfferFields f);
  Task<Result<Offer>> update_offer(OfferId id, OfferFields f);
  Task<Result<IssuedKey>> issue_key(PartnerId partner, UserId admin);
  Task<Status> revoke_key(PartnerId partner, ApiKeyId key, UserId admin);

  // Partner API: a live key of an active partner. The principal's user_id is the partner's
  // id, its session_id the key's id.
  Task<Result<http::Principal>> authenticate_key(std::string api_key) override;

 private:
  Error offer_limit() const;
  PartnerStore& store_;
  PartnerLimits limits_;
};

}  // namespace gd::partners
