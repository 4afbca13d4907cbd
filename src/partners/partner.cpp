// JSON forms of partners, offers, keys and redemptions.
#include "partners/partner.hpp"

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/names.hpp"
#include "partners/code.hpp"

namespace gd::partners {
namespace {

boost::json::value opt_time(const std::optional<std::int64_t>& ms) {
  return ms ? boost::json::value(iso8601_ms(*ms)) : boost::json::value(nullptr);
}

}  // namespace

namespace {
constexpr std::string_view kCodeStatusNames[] = {"active", "used", "refunded", "expired"};
}  // namespace

std::string_view code_status_name(CodeStatus s) {
  return enum_name(kCodeStatusNames, s);
}

CodeStatus stored_code_status(std::string_view stored) {
  const auto s = enum_from_name<CodeStatus>(kCodeStatusNames, stored);
  GD_CHECK(s && *s != CodeStatus::kExpired && "a stored code status outside the list");
  return *s;
}

CodeStatus Redemption::status_at(std::int64_t now_ms) const {
  if (status == CodeStatus::kActive && now_ms >= expires_at_ms) return CodeStatus::kExpired;
  return status;
}

boost::json::object partner_json(const Partner& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"logoUrl", p.logo_url ? boost::json::value(*p.logo_url) : boost::json::value(nullptr)},
          {"description", p.description},
          {"isActive", p.is_active},
          {"createdAt", iso8601_ms(p.created_at_ms)},
          {"updatedAt", iso8601_ms(p.updated_at_ms)}};
}

boost::json::object offer_json(const Offer& o) {
  return {{"id", o.id},
          {"partnerId", o.partner_id},
          {"title", o.title},
          {"description", o.description},
          {"pointsCost", o.points_cost},
          {"validDays", o.valid_days},
          {"isActive", o.is_active},
          {"createdAt", iso8601_ms(o.created_at_ms)},
          {"updatedAt", iso8601_ms(o.updated_at_ms)}};
}

boost::json::object api_key_json(const ApiKeyInfo& k) {
  return {{"id", k.id},
          {"partnerId", k.partner_id},
          {"prefix", k.prefix},
          {"createdBy", k.created_by},
          {"createdAt", iso8601_ms(k.created_at_ms)},
          {"revokedAt", opt_time(k.revoked_at_ms)}};
}

boost::json::object partner_detail_json(const PartnerDetail& d, bool with_keys) {
  auto o = partner_json(d.partner);
  boost::json::array offers;
  for (const auto& x : d.offers) offers.push_back(offer_json(x));
  o["offers"] = std::move(offers);
  if (with_keys) {
    boost::json::array keys;
    for (const auto& k : d.keys) keys.push_back(api_key_json(k));
    o["apiKeys"] = std::move(keys);
  }
  return o;
}

boost::json::object redemption_json(const Redemption& r, std::int64_t now_ms) {
  return {{"id", r.id},
          {"partnerId", r.partner_id},
          {"offerId", r.offer_id},
          {"pointsSpent", r.points_spent},
          {"discountCode", display_code(r.code)},
          {"status", code_status_name(r.status_at(now_ms))},
          {"redeemedAt", iso8601_ms(r.created_at_ms)},
          {"expiresAt", iso8601_ms(r.expires_at_ms)},
          {"usedAt", opt_time(r.used_at_ms)}};
}

}  // namespace gd::partners
