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

inline constexpr int kMaxActiveOffers = 100;  // per partner; the catalogue lists them all
inline constexpr int kMaxLiveKeys = 10;       // per partner

struct IssuedKey {
  ApiKeyInfo info;
  std::string key;  // the secret, shown once
};

class PartnerService final : public http::ApiKeyAuthenticator {
 public:
  explicit PartnerService(PartnerStore& store) : store_(store) {}

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
  PartnerStore& store_;
};

}  // namespace gd::partners
