// Thin handlers for the catalogue, redemptions and the partner API: decode and validate, call
// the service, encode.
#include "partners/partner_routes.hpp"

#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "http/page.hpp"
#include "partners/code.hpp"

namespace gd::partners {
namespace {

using http::invalid_id;
using http::Request;
using http::Response;

Response ok_json(int status, const boost::json::object& o) {
  return Response::json(status, boost::json::serialize(o));
}

constexpr CursorField kNameId[] = {CursorField::kText, CursorField::kUuid};
constexpr CursorField kTimeId[] = {CursorField::kInt, CursorField::kUuid};

Task<Response> list_partners(PartnerService* svc, const CursorCodec* cursors, Request req) {
  const ListCursor list{kNameId, {}};
  auto page = read_page(req, *cursors, list);
  if (!page) co_return fail(req, page.error());
  After<std::string> after;
  if (!page->after.empty()) after = std::make_pair(page->text_after(0), page->text_after(1));
  auto rows = co_await svc->catalogue(page->limit, std::move(after));
  boost::json::array items;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(page->limit); ++i)
    items.push_back(partner_detail_json(rows[i], false));
  boost::json::value next = nullptr;
  if (rows.size() > static_cast<std::size_t>(page->limit)) {
    const auto& last = rows[static_cast<std::size_t>(page->limit) - 1].partner;
    next = next_cursor(req, *cursors, list, {last.name, last.id});
  }
  co_return ok_json(200, {{"items", std::move(items)}, {"nextCursor", next}});
}

Task<Response> get_partner(PartnerService* svc, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, invalid_id());
  auto d = co_await svc->catalogue_entry(PartnerId(req.param(0)));
  if (!d) co_return fail(req, d.error());
  co_return ok_json(200, partner_detail_json(*d, false));
}

Task<Response> redeem(RedemptionService* svc, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto offer_id = read_redemption(*body);
  if (!offer_id) co_return fail(req, offer_id.error());
  auto r = co_await svc->redeem(req.principal->user(), OfferId(std::move(*offer_id)));
  if (!r) co_return fail(req, r.error());
  co_return ok_json(201, redemption_json(*r, now_ms()));
}

Task<Response> my_redemptions(RedemptionService* svc, const CursorCodec* cursors, Request req) {
  const ListCursor list{kTimeId, {}};
  auto page = read_page(req, *cursors, list);
  if (!page) co_return fail(req, page.error());
  After<std::int64_t> after;
  if (!page->after.empty()) after = std::make_pair(page->int_after(0), page->text_after(1));
  auto rows = co_await svc->mine(req.principal->user(), page->limit, std::move(after));
  const auto now = now_ms();
  boost::json::array items;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(page->limit); ++i)
    items.push_back(redemption_json(rows[i], now));
  boost::json::value next = nullptr;
  if (rows.size() > static_cast<std::size_t>(page->limit)) {
    const auto& last = rows[static_cast<std::size_t>(page->limit) - 1];
    next = next_cursor(req, *cursors, list, {last.created_at_ms, last.id});
  }
  co_return ok_json(200, {{"items", std::move(items)}, {"nextCursor", next}});
}

}  // namespace

// {code}: the code as typed, in its stored form.
Result<std::string> read_redemption(const boost::json::object& o) {
  json::Reader in(o);
  auto offer_id = in.required_string("offerId", {1, 64, false});
  if (offer_id && !is_uuid(*offer_id)) in.fail("offerId", "must be a UUID");
  for (const auto& [key, value] : o)
    if (key != "offerId") in.fail(std::string(key), "is not a field of a redemption");
  if (auto st = in.finish(); !st) return std::move(st).error();
  return std::move(*offer_id);
}

Result<std::string> read_code(const std::string& body) {
  auto o = json::parse_object(body);
  if (!o) return std::move(o).error();
  json::Reader in(*o);
  auto typed = in.required_string("code", {1, 64, true});
  std::optional<std::string> code;
  if (typed) {
    code = normalize_code(*typed);
    if (!code) in.fail("code", "is not a discount code (12 characters such as 7KQ2-M9XD-4HBW)");
  }
  if (auto st = in.finish(); !st) return st.error();
  return std::move(*code);
}

namespace {

boost::json::object verified_json(const Verified& v) {
  const auto status = v.redemption.status_at(now_ms());
  const auto& r = v.redemption;
  return {{"valid", status == CodeStatus::kActive},
          {"status", code_status_name(status)},
          {"discountCode", display_code(r.code)},
          {"redemptionId", r.id},
          {"offer", offer_json(v.offer)},
          {"pointsSpent", r.points_spent},
          {"redeemedAt", iso8601_ms(r.created_at_ms)},
          {"expiresAt", iso8601_ms(r.expires_at_ms)},
          {"usedAt", r.used_at_ms ? boost::json::value(iso8601_ms(*r.used_at_ms))
                                  : boost::json::value(nullptr)}};
}

Task<Response> partner_verify(RedemptionService* svc, bool consume, Request req) {
  auto code = read_code(req.body);
  if (!code) co_return fail(req, code.error());
  const PartnerId partner(req.principal->partner_id);
  std::optional<Result<Verified>> v;
  if (consume) {
    v.emplace(co_await svc->consume(partner, std::move(*code)));
  } else {
    v.emplace(co_await svc->verify(partner, std::move(*code)));
  }
  if (!*v) co_return fail(req, v->error());
  co_return ok_json(200, verified_json(v->value()));
}

}  // namespace

void add_routes(http::RouteTable& routes, PartnerService& partners, RedemptionService& redemptions,
                IdempotencyStore& keys, const CursorCodec& cursors) {
  using http::Auth;
  PartnerService* p = &partners;
  RedemptionService* r = &redemptions;
  const CursorCodec* c = &cursors;
  const http::RouteOptions open{Auth::kNone, false};
  routes.add("GET", "/api/v1/partners", open,
             [p, c](Request q) { return list_partners(p, c, std::move(q)); });
  routes.add("GET", "/api/v1/partners/{id}", open,
             [p](Request q) { return get_partner(p, std::move(q)); });
  routes.add("POST", "/api/v1/redemptions", {Auth::kRequired, true},
             http::with_idempotency(&keys, [r](Request q) { return redeem(r, std::move(q)); }));
  routes.add("GET", "/api/v1/users/me/redemptions", {},
             [r, c](Request q) { return my_redemptions(r, c, std::move(q)); });
  const http::RouteOptions partner_api{Auth::kApiKey, true};
  routes.add("POST", "/api/v1/partner-api/redemptions/verify", partner_api,
             [r](Request q) { return partner_verify(r, false, std::move(q)); });
  routes.add("POST", "/api/v1/partner-api/redemptions/consume", partner_api,
             [r](Request q) { return partner_verify(r, true, std::move(q)); });
}

Task<void> RedemptionsPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array all;
  After<std::int64_t> after;
  const auto now = now_ms();
  for (;;) {
    auto page = co_await service_.mine(UserId(user_id), 500, after);
    for (std::size_t i = 0; i < page.size() && i < 500; ++i)
      all.push_back(redemption_json(page[i], now));
    if (page.size() <= 500) break;
    after = std::make_pair(page[499].created_at_ms, page[499].id);
  }
  doc["redemptions"] = std::move(all);
}

}  // namespace gd::partners
