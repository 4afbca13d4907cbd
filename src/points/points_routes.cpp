// Points routes: balance and history with cursor pagination.
#include "points/points_routes.hpp"

#include <boost/json/serialize.hpp>

#include "core/every_page.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "http/log.hpp"
#include "http/page.hpp"

namespace gd::points {
Result<Adjustment> read_adjustment(const boost::json::object& o) {
  json::Reader in(o);
  auto amount = in.required_int("amount", -1'000'000, 1'000'000);
  if (amount && *amount == 0) in.fail("amount", "must not be 0");
  auto reason = in.required_string("reason", {1, 500, true, TextKind::kMultiline});
  for (const auto& [key, value] : o)
    if (key != "amount" && key != "reason") in.fail(std::string(key), "is not a field here");
  if (auto st = in.finish(); !st) return std::move(st).error();
  return Adjustment{*amount, std::move(*reason)};
}

namespace {

using http::invalid_id;
using http::Request;
using http::Response;

constexpr CursorField kTimeId[] = {CursorField::kInt, CursorField::kUuid};

Task<Response> my_points(Ledger* ledger, const CursorCodec* cursors, Request req) {
  const ListCursor list{kTimeId, {}};
  auto page = read_page(req, *cursors, list);
  if (!page) co_return Response::problem(page.error(), req.request_id);
  const int limit = page->limit;
  auto entries = co_await ledger->history(req.principal->user(), std::move(page.value()));
  const auto balance = co_await ledger->balance(req.principal->user());
  boost::json::array items;
  boost::json::value next = nullptr;
  for (int i = 0; i < static_cast<int>(entries.size()) && i < limit; ++i)
    items.push_back(entry_json(entries[static_cast<std::size_t>(i)]));
  if (static_cast<int>(entries.size()) > limit) {
    const auto& last = entries[static_cast<std::size_t>(limit - 1)];
    next = next_cursor(req, *cursors, list, {last.created_at_ms, last.id});
  }
  boost::json::object body{{"balance", balance}, {"items", std::move(items)}, {"nextCursor", next}};
  co_return Response::json(200, boost::json::serialize(body));
}

Task<Response> adjust(Ledger* ledger, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, http::invalid_id());
  auto body = json::parse_object(req.body);
  if (!body) co_return Response::problem(body.error(), req.request_id);
  auto adjustment = read_adjustment(*body);
  if (!adjustment) co_return Response::problem(adjustment.error(), req.request_id);
  if (req.param(0) == req.principal->user_id)
    co_return Response::problem(
        make_error(ErrorCode::kForbidden, "Admins cannot adjust their own points."),
        req.request_id);
  auto e = co_await ledger->adjust(req.principal->user(), UserId(req.param(0)), adjustment->amount,
                                   std::move(adjustment->reason));
  if (!e) co_return Response::problem(e.error(), req.request_id);
  http::audit(req, "points.adjust", e->user_id);
  auto out = entry_json(*e);
  out["actorId"] = *e->actor_id;
  co_return Response::json(201, boost::json::serialize(out));
}

}  // namespace

void add_admin_routes(http::RouteTable& routes, Ledger& ledger, IdempotencyStore& keys) {
  routes.add(
      "POST", "/api/v1/admin/users/{id}/points", {http::Auth::kRequired, true, 0, Role::kAdmin},
      http::with_idempotency(&keys, [l = &ledger](Request r) { return adjust(l, std::move(r)); }));
}

void add_routes(http::RouteTable& routes, Ledger& ledger, const CursorCodec& cursors) {
  routes.add("GET", "/api/v1/users/me/points", {},
             [l = &ledger, c = &cursors](Request r) { return my_points(l, c, std::move(r)); });
}

Task<void> LedgerPart::export_into(std::string user_id, boost::json::object& doc) {
  const auto entries = co_await every_page<LedgerEntry>(
      [&](PageRequest page) { return ledger_.history(UserId(user_id), std::move(page)); },
      [](const LedgerEntry& e) {
        return std::vector<CursorValue>{e.created_at_ms, e.id};
      });
  boost::json::array all;
  for (const auto& e : entries) all.push_back(entry_json(e));
  doc["ledger"] = std::move(all);
}

}  // namespace gd::points
