// Routes of the partners module: the public catalogue, redemptions, the partner API (ApiKey)
// and the admin endpoints for partners, offers, keys and refunds.
#pragma once
#include <boost/json/object.hpp>

#include "core/page.hpp"
#include "http/idempotency.hpp"
#include "http/types.hpp"
#include "partners/partner_service.hpp"
#include "partners/redemption_service.hpp"
#include "users/account_part.hpp"

namespace gd::partners {

// POST /redemptions is money-like: it honours Idempotency-Key through `keys`.
void add_routes(http::RouteTable& routes, PartnerService& partners, RedemptionService& redemptions,
                IdempotencyStore& keys, const CursorCodec& cursors);
void add_admin_routes(http::RouteTable& routes, PartnerService& partners,
                      RedemptionService& redemptions, const CursorCodec& cursors);

// Request bodies, decoded and validated (also the fuzz target's entry points): a partner and
// an offer (`creating`: POST, else PATCH), and {code} of the partner API.
Result<PartnerFields> read_partner(const std::string& body, bool creating);
Result<OfferFields> read_offer(const std::string& body, bool creating);
Result<std::string> read_code(const std::string& body);
// POST /redemptions {offerId}: the offer's id.
Result<std::string> read_redemption(const boost::json::object& o);
// POST /admin/redemptions/{id}/refund {reason}: the admin's reason.
Result<std::string> read_refund(const boost::json::object& o);

// A user's redemptions in their data export. On erasure they stay, like the ledger rows that
// debit them (the user row they point to is anonymised).
class RedemptionsPart final : public users::AccountPart {
 public:
  explicit RedemptionsPart(RedemptionService& service) : service_(service) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string) override { co_return; }

 private:
  RedemptionService& service_;
};

}  // namespace gd::partners
