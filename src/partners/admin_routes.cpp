// Admin endpoints of the partners module (role admin): partners, offers, API keys, refunds.
#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "http/log.hpp"
#include "http/page.hpp"
#include "partners/partner_routes.hpp"

namespace gd::partners {
namespace {

using http::invalid_id;
using http::Request;
using http::Response;

Response ok_json(int status, const boost::json::object& o) {
  return Response::json(status, boost::json::serialize(o));
}

bool ids_ok(const Request& req) {
  for (const auto& p : req.path_params)
    if (!is_uuid(p)) return false;
  return true;
}

bool valid_logo_url(std::string_view u) {
  return u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0 || u.rfind("/media/", 0) == 0;
}

void refuse_unknown(const boost::json::object& o, json::Reader& in,
                    std::initializer_list<std::string_view> known, std::string_view what) {
  for (const auto& [key, value] : o) {
    bool found = false;
    for (auto k : known) found = found || key == k;
    if (!found) in.fail(std::string(key), "is not a field of " + std::string(what));
  }
}

}  // namespace

Result<PartnerFields> read_partner(const std::string& body, bool creating) {
  auto o = json::parse_object(body);
  if (!o) return std::move(o).error();
  json::Reader in(*o);
  PartnerFields f;
  f.name = creating ? in.required_string("name", {1, 100, true})
                    : in.optional_string("name", {1, 100, true});
  f.description = in.optional_string("description", {0, 2000, true, TextKind::kMultiline});
  if (in.is_null("logoUrl")) {
    f.logo_url = std::optional<std::string>{};
  } else if (auto url = in.optional_string("logoUrl", {1, 2048, true})) {
    if (!valid_logo_url(*url))
      in.fail("logoUrl", "must be an http(s) URL or a /media/ path");
    else
      f.logo_url = std::optional<std::string>{*url};
  }
  f.is_active = in.optional_bool("isActive");
  refuse_unknown(*o, in, {"name", "description", "logoUrl", "isActive"}, "a partner");
  if (auto st = in.finish(); !st) return st.error();
  return f;
}

Result<std::string> read_refund(const boost::json::object& o) {
  json::Reader in(o);
  auto reason = in.required_string("reason", {1, 500, true, TextKind::kMultiline});
  refuse_unknown(o, in, {"reason"}, "a refund");
  if (auto st = in.finish(); !st) return std::move(st).error();
  return std::move(*reason);
}

Result<OfferFields> read_offer(const std::string& body, bool creating) {
  auto o = json::parse_object(body);
  if (!o) return std::move(o).error();
  json::Reader in(*o);
  OfferFields f;
  f.title = creating ? in.required_string("title", {1, 120, true})
                     : in.optional_string("title", {1, 120, true});
  f.description = in.optional_string("description", {0, 2000, true, TextKind::kMultiline});
  f.points_cost = creating ? in.required_int("pointsCost", 1, 1'000'000)
                           : in.optional_int("pointsCost", 1, 1'000'000);
  f.valid_days =
      creating ? in.required_int("validDays", 1, 3650) : in.optional_int("validDays", 1, 3650);
  f.is_active = in.optional_bool("isActive");
  refuse_unknown(*o, in, {"title", "description", "pointsCost", "validDays", "isActive"},
                 "an offer");
  if (auto st = in.finish(); !st) return st.error();
  return f;
}

namespace {

constexpr CursorField kNameId[] = {CursorField::kText, CursorField::kUuid};

Task<Response> list_all(PartnerService* svc, const CursorCodec* cursors, Request req) {
  const ListCursor list{kNameId, {}};
  auto page = read_page(req, *cursors, list);
  if (!page) co_return fail(req, page.error());
  After<std::string> after;
  if (!page->after.empty()) after = std::make_pair(page->text_after(0), page->text_after(1));
  auto rows = co_await svc->all_partners(page->limit, std::move(after));
  boost::json::array items;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(page->limit); ++i)
    items.push_back(partner_json(rows[i]));
  boost::json::value next = nullptr;
  if (rows.size() > static_cast<std::size_t>(page->limit)) {
    const auto& last = rows[static_cast<std::size_t>(page->limit) - 1];
    next = next_cursor(req, *cursors, list, {last.name, last.id});
  }
  co_return ok_json(200, {{"items", std::move(items)}, {"nextCursor", next}});
}

Task<Response> create_partner(PartnerService* svc, Request req) {
  auto f = read_partner(req.body, true);
  if (!f) co_return fail(req, f.error());
  auto p = co_await svc->create_partner(std::move(f.value()));
  http::audit(req, "partner.create", p.id);
  co_return ok_json(201, partner_json(p));
}

Task<Response> get_partner(PartnerService* svc, Request req) {
  if (!ids_ok(req)) co_return fail(req, invalid_id());
  auto d = co_await svc->admin_view(PartnerId(req.param(0)));
  if (!d) co_return fail(req, d.error());
  co_return ok_json(200, partner_detail_json(*d, true));
}

Task<Response> patch_partner(PartnerService* svc, Request req) {
  if (!ids_ok(req)) co_return fail(req, invalid_id());
  auto f = read_partner(req.body, false);
  if (!f) co_return fail(req, f.error());
  auto p = co_await svc->update_partner(PartnerId(req.param(0)), std::move(f.value()));
  if (!p) co_return fail(req, p.error());
  http::audit(req, "partner.update", p->id);
  co_return ok_json(200, partner_json(*p));
}

Task<Response> create_offer(PartnerService* svc, Request req) {
  if (!ids_ok(req)) co_return fail(req, invalid_id());
  auto f = read_offer(req.body, true);
  if (!f) co_return fail(req, f.error());
  auto o = co_await svc->create_offer(PartnerId(req.param(0)), std::move(f.value()));
  if (!o) co_return fail(req, o.error());
  http::audit(req, "offer.create", o->id);
  co_return ok_json(201, offer_json(*o));
}

Task<Response> patch_offer(PartnerService* svc, Request req) {
  if (!ids_ok(req)) co_return fail(req, invalid_id());
  auto f = read_offer(req.body, false);
  if (!f) co_return fail(req, f.error());
  auto o = co_await svc->update_offer(OfferId(req.param(0)), std::move(f.value()));
  if (!o) co_return fail(req, o.error());
  http::audit(req, "offer.update", o->id);
  co_return ok_json(200, offer_json(*o));
}

Task<Response> issue_key(PartnerService* svc, Request req) {
  if (!ids_ok(req)) co_return fail(req, invalid_id());
  auto k = co_await svc->issue_key(PartnerId(req.param(0)), req.principal->user());
  if (!k) co_return fail(req, k.error());
  http::audit(req, "api_key.issue", k->info.id);
  auto body = api_key_json(k->info);
  body["key"] = k->key;
  co_return ok_json(201, body);  // no-store: the route needs a token
}

Task<Response> revoke_key(PartnerService* svc, Request req) {
  if (!ids_ok(req)) co_return fail(req, invalid_id());
  auto st = co_await svc->revoke_key(PartnerId(req.param(0)), ApiKeyId(req.param(1)),
                                     req.principal->user());
  if (!st) co_return fail(req, st.error());
  http::audit(req, "api_key.revoke", req.param(1));
  co_return Response::no_content();
}

Task<Response> refund(RedemptionService* svc, Request req) {
  if (!ids_ok(req)) co_return fail(req, invalid_id());
  auto o = json::parse_object(req.body);
  if (!o) co_return fail(req, o.error());
  auto reason = read_refund(*o);
  if (!reason) co_return fail(req, reason.error());
  auto r =
      co_await svc->refund(req.principal->user(), RedemptionId(req.param(0)), std::move(*reason));
  if (!r) co_return fail(req, r.error());
  http::audit(req, "redemption.refund", r->id);
  co_return ok_json(200, redemption_json(*r, now_ms()));
}

}  // namespace

void add_admin_routes(http::RouteTable& routes, PartnerService& partners,
                      RedemptionService& redemptions, const CursorCodec& cursors) {
  using http::Auth;
  PartnerService* p = &partners;
  RedemptionService* r = &redemptions;
  const CursorCodec* c = &cursors;
  const http::RouteOptions json_in{Auth::kRequired, true, 0, Role::kAdmin};
  const http::RouteOptions no_body{Auth::kRequired, false, 0, Role::kAdmin};
  routes.add("GET", "/api/v1/admin/partners", no_body,
             [p, c](Request q) { return list_all(p, c, std::move(q)); });
  routes.add("POST", "/api/v1/admin/partners", json_in,
             [p](Request q) { return create_partner(p, std::move(q)); });
  routes.add("GET", "/api/v1/admin/partners/{id}", no_body,
             [p](Request q) { return get_partner(p, std::move(q)); });
  routes.add("PATCH", "/api/v1/admin/partners/{id}", json_in,
             [p](Request q) { return patch_partner(p, std::move(q)); });
  routes.add("POST", "/api/v1/admin/partners/{id}/offers", json_in,
             [p](Request q) { return create_offer(p, std::move(q)); });
  routes.add("PATCH", "/api/v1/admin/offers/{id}", json_in,
             [p](Request q) { return patch_offer(p, std::move(q)); });
  routes.add("POST", "/api/v1/admin/partners/{id}/api-keys", no_body,
             [p](Request q) { return issue_key(p, std::move(q)); });
  routes.add("DELETE", "/api/v1/admin/partners/{id}/api-keys/{keyId}", no_body,
             [p](Request q) { return revoke_key(p, std::move(q)); });
  routes.add("POST", "/api/v1/admin/redemptions/{id}/refund", json_in,
             [r](Request q) { return refund(r, std::move(q)); });
}

}  // namespace gd::partners
