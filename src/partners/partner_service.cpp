// Partner, offer and API key rules.
#include "partners/partner_service.hpp"

#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "partners/code.hpp"

namespace gd::partners {
namespace {

Error partner_not_found() {
  return make_error(ErrorCode::kPartnerNotFound, "No such partner.");
}

}  // namespace

Error PartnerService::offer_limit() const {
  return make_error(
      ErrorCode::kLimitReached,
      "A partner has at most " + std::to_string(limits_.max_active_offers) + " active offers.");
}

Task<std::vector<PartnerDetail>> PartnerService::catalogue(int limit, After<std::string> after) {
  auto partners = co_await store_.partners(true, limit, std::move(after));
  std::vector<std::string> ids;
  for (const auto& p : partners) ids.push_back(p.id);
  auto offers = co_await store_.active_offers_of(std::move(ids));
  std::vector<PartnerDetail> out;
  for (auto& p : partners) {
    PartnerDetail d{std::move(p), {}, {}};
    for (const auto& o : offers)
      if (o.partner_id == d.partner.id &&
          d.offers.size() < static_cast<std::size_t>(limits_.max_active_offers))
        d.offers.push_back(o);
    out.push_back(std::move(d));
  }
  co_return out;
}

Task<Result<PartnerDetail>> PartnerService::catalogue_entry(PartnerId partner) {
  const std::string& id = partner.value;
  auto p = co_await store_.partner(id);
  if (!p || !p->is_active) co_return partner_not_found();
  auto offers = co_await store_.offers_of(id, true, limits_.max_active_offers);
  co_return PartnerDetail{std::move(*p), std::move(offers), {}};
}

Task<Result<PartnerDetail>> PartnerService::admin_view(PartnerId partner) {
  const std::string& id = partner.value;
  auto p = co_await store_.partner(id);
  if (!p) co_return partner_not_found();
  // Inactive offers count against no limit: list a generous number of them too.
  auto offers = co_await store_.offers_of(id, false, 10 * limits_.max_active_offers);
  auto keys = co_await store_.keys_of(id);
  co_return PartnerDetail{std::move(*p), std::move(offers), std::move(keys)};
}

Task<Partner> PartnerService::create_partner(PartnerFields f) {
  Partner p;
  p.id = uuid_v7();
  p.name = f.name.value_or("");
  p.description = f.description.value_or("");
  p.logo_url = f.logo_url.value_or(std::nullopt);
  p.is_active = f.is_active.value_or(true);
  p.created_at_ms = p.updated_at_ms = now_ms();
  co_await store_.insert_partner(p);
  co_return p;
}

Task<Result<Partner>> PartnerService::update_partner(PartnerId id, PartnerFields f) {
  auto p = co_await store_.update_partner(std::move(id.value), std::move(f), now_ms());
  if (!p) co_return partner_not_found();
  co_return std::move(*p);
}

Task<Result<Offer>> PartnerService::create_offer(PartnerId partner, OfferFields f) {
  std::string& partner_id = partner.value;
  if (!co_await store_.partner(partner_id)) co_return partner_not_found();
  Offer o;
  o.is_active = f.is_active.value_or(true);
  if (o.is_active && co_await store_.active_offers(partner_id) >= limits_.max_active_offers)
    co_return offer_limit();
  o.id = uuid_v7();
  o.partner_id = std::move(partner_id);
  o.title = f.title.value_or("");
  o.description = f.description.value_or("");
  o.points_cost = f.points_cost.value_or(0);
  o.valid_days = f.valid_days.value_or(0);
  o.created_at_ms = o.updated_at_ms = now_ms();
  co_await store_.insert_offer(o);
  co_return o;
}

Task<Result<Offer>> PartnerService::update_offer(OfferId offer, OfferFields f) {
  std::string& id = offer.value;
  auto before = co_await store_.offer(id);
  if (!before) co_return make_error(ErrorCode::kOfferNotFound, "No such offer.");
  if (f.is_active.value_or(false) && !before->is_active &&
      co_await store_.active_offers(before->partner_id) >= limits_.max_active_offers)
    co_return offer_limit();
  auto o = co_await store_.update_offer(std::move(id), std::move(f), now_ms());
  if (!o) co_return make_error(ErrorCode::kOfferNotFound, "No such offer.");
  co_return std::move(*o);
}

Task<Result<IssuedKey>> PartnerService::issue_key(PartnerId partner, UserId admin) {
  std::string& partner_id = partner.value;
  if (!co_await store_.partner(partner_id)) co_return partner_not_found();
  if (co_await store_.live_keys(partner_id) >= limits_.max_live_keys)
    co_return make_error(ErrorCode::kLimitReached, "A partner has at most " +
                                                       std::to_string(limits_.max_live_keys) +
                                                       " live API keys; revoke one first.");
  auto secret = new_api_key();
  IssuedKey out;
  out.info = {uuid_v7(), std::move(partner_id), secret.prefix, std::move(admin.value), now_ms(),
              {}};
  out.key = std::move(secret.key);
  co_await store_.insert_key(out.info, std::move(secret.hash));
  spdlog::info("admin {} issued API key {} ({}) for partner {}", out.info.created_by, out.info.id,
               out.info.prefix, out.info.partner_id);
  co_return out;
}

Task<Status> PartnerService::revoke_key(PartnerId partner, ApiKeyId key, UserId admin) {
  const std::string& partner_id = partner.value;
  const std::string& key_id = key.value;
  const std::string& admin_id = admin.value;
  if (!co_await store_.revoke_key(partner_id, key_id, now_ms()))
    co_return make_error(ErrorCode::kApiKeyNotFound, "This partner has no such API key.");
  spdlog::info("admin {} revoked API key {} of partner {}", admin_id, key_id, partner_id);
  co_return Ok{};
}

Task<Result<http::Principal>> PartnerService::authenticate_key(std::string api_key) {
  const auto invalid = make_error(ErrorCode::kApiKeyInvalid, "The API key is unknown or revoked.");
  if (api_key.size() > 128 || api_key.rfind(kApiKeyPrefix, 0) != 0) co_return invalid;
  auto owner = co_await store_.key_owner(api_key_hash(api_key));
  if (!owner) co_return invalid;
  http::Principal partner;
  partner.partner_id = owner->second;
  partner.session_id = owner->first;  // the key's id
  partner.roles = {Role::kPartner};
  co_return partner;
}

}  // namespace gd::partners
