// Points routes: balance and history with cursor pagination.
#include "points/points_routes.hpp"

#include <boost/json/serialize.hpp>

namespace gd::points {
namespace {

using http::Request;
using http::Response;

Task<Response> my_points(Ledger* ledger, Request req) {
  auto page = read_page(req, 2);
  if (!page) co_return Response::problem(page.error(), req.request_id);
  const int limit = page->limit;
  auto entries = co_await ledger->history(req.principal->user_id, std::move(page.value()));
  const auto balance = co_await ledger->balance(req.principal->user_id);
  boost::json::array items;
  boost::json::value next = nullptr;
  for (int i = 0; i < static_cast<int>(entries.size()) && i < limit; ++i)
    items.push_back(entry_json(entries[static_cast<std::size_t>(i)]));
  if (static_cast<int>(entries.size()) > limit) {
    const auto& last = entries[static_cast<std::size_t>(limit - 1)];
    next = encode_cursor({std::to_string(last.created_at_ms), last.id});
  }
  boost::json::object body{{"balance", balance}, {"items", std::move(items)}, {"nextCursor", next}};
  co_return Response::json(200, boost::json::serialize(body));
}

}  // namespace

void add_routes(http::RouteTable& routes, Ledger& ledger) {
  routes.add("GET", "/api/v1/users/me/points", {},
             [l = &ledger](Request r) { return my_points(l, std::move(r)); });
}

Task<void> LedgerPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array all;
  PageRequest page;
  page.limit = 1000;
  for (;;) {
    auto entries = co_await ledger_.history(user_id, page);
    const bool more = static_cast<int>(entries.size()) > page.limit;
    for (int i = 0; i < static_cast<int>(entries.size()) && i < page.limit; ++i)
      all.push_back(entry_json(entries[static_cast<std::size_t>(i)]));
    if (!more) break;
    const auto& last = entries[static_cast<std::size_t>(page.limit - 1)];
    page.after = {std::to_string(last.created_at_ms), last.id};
  }
  doc["ledger"] = std::move(all);
}

}  // namespace gd::points
