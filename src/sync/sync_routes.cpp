// Thin handlers: read the query and body, call SyncService, encode.
#include "sync/sync_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "core/json.hpp"
#include "sync/sync_tables.hpp"

namespace gd::sync {
namespace {

using http::Request;
using http::Response;

// A position: absent, "null" or "0" is none; otherwise a non-negative integer.
Result<std::optional<std::int64_t>> read_position(const Request& req, bool required) {
  const auto v = req.query_param("lastPulledAt");
  if (!v || *v == "null" || v->empty()) {
    if (required)
      return validation_error("lastPulledAt", "is required: the timestamp of your last pull");
    return std::optional<std::int64_t>{};
  }
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 0)
    return validation_error("lastPulledAt", "must be a non-negative integer or null");
  return std::optional<std::int64_t>(n);
}

// migration = null | {from, tables: [name], columns: [{table, columns: [name]}]}: tables the
// client added, or added columns to, since its last sync; they come whole.
Result<std::vector<std::string>> read_migration(const Request& req) {
  std::vector<std::string> tables;
  const auto v = req.query_param("migration");
  if (!v || *v == "null" || v->empty()) return tables;
  boost::system::error_code ec;
  const auto m = boost::json::parse(*v, ec);
  const auto bad = [] {
    return validation_error("migration", "must be null or {from, tables, columns}");
  };
  if (ec || !m.is_object()) return bad();
  const auto& o = m.as_object();
  if (const auto* t = o.if_contains("tables")) {
    if (!t->is_array()) return bad();
    for (const auto& name : t->as_array()) {
      if (!name.is_string()) return bad();
      if (find_table(name.as_string())) tables.emplace_back(name.as_string());
    }
  }
  if (const auto* c = o.if_contains("columns")) {
    if (!c->is_array()) return bad();
    for (const auto& entry : c->as_array()) {
      const auto* e = entry.if_object();
      const auto* name = e ? e->if_contains("table") : nullptr;
      if (!name || !name->is_string()) return bad();
      if (find_table(name->as_string())) tables.emplace_back(name->as_string());
    }
  }
  return tables;
}

Task<Response> pull(SyncService* svc, Request req) {
  auto position = read_position(req, false);
  if (!position) co_return fail(req, position.error());
  if (auto sv = req.query_param("schemaVersion"); sv && *sv != "null") {
    int n = 0;
    const auto [p, ec] = std::from_chars(sv->data(), sv->data() + sv->size(), n);
    if (ec != std::errc() || p != sv->data() + sv->size() || n < 1)
      co_return fail(req, validation_error("schemaVersion", "must be a positive integer"));
  }
  auto tables = read_migration(req);
  if (!tables) co_return fail(req, tables.error());
  PullRequest r{*position, std::move(tables.value())};
  // Streamed: a first pull of a large account is tens of megabytes.
  co_return Response::streamed_json(200, [svc, user = req.principal->user_id, r = std::move(r)](
                                             ByteSink& out) { return svc->pull(user, r, out); });
}

Task<Response> push(SyncService* svc, Request req) {
  auto position = read_position(req, true);
  if (!position) co_return fail(req, position.error());
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto* changes = body->if_contains("changes");
  if (!changes || !changes->is_object())
    co_return fail(req, validation_error("changes", "is required: an object of tables"));
  if (auto ok = SyncService::validate(changes->as_object()); !ok) co_return fail(req, ok.error());
  auto r = co_await svc->push(req.principal->user_id, **position, std::move(changes->as_object()));
  if (!r) co_return fail(req, r.error());
  if (r->empty()) co_return Response::json(200, "{}");
  boost::json::object ids;
  for (const auto& [table, list] : *r) {
    boost::json::array a;
    for (const auto& id : list) a.emplace_back(id);
    ids[table] = std::move(a);
  }
  co_return Response::json(
      200, boost::json::serialize(boost::json::object{{"experimentalRejectedIds", ids}}));
}

}  // namespace

void add_routes(http::Router& routes, SyncService& service, std::size_t max_push_bytes) {
  SyncService* s = &service;
  routes.add("GET", "/api/v1/sync/pull", {http::Auth::kRequired, false},
             [s](Request r) { return pull(s, std::move(r)); });
  routes.add("POST", "/api/v1/sync/push", {http::Auth::kRequired, true, max_push_bytes},
             [s](Request r) { return push(s, std::move(r)); });
}

}  // namespace gd::sync
