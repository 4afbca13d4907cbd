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

// schemaVersion = absent | null (a client from before versions: 1) | 1..kSchemaVersion.
Result<int> read_schema_version(const Request& req) {
  const auto v = req.query_param("schemaVersion");
  if (!v || *v == "null") return 1;
  int n = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 1 || n > kSchemaVersion)
    return validation_error("schemaVersion",
                            "must be an integer from 1 to " + std::to_string(kSchemaVersion));
  return n;
}

struct Migration {
  std::optional<int> from;
  std::vector<std::string> tables;  // synced tables the client added or added columns to
};

bool string_array(const boost::json::value* v) {
  if (!v || !v->is_array()) return false;
  for (const auto& e : v->as_array())
    if (!e.is_string()) return false;
  return true;
}

// migration = null | {from, tables: [name], columns: [{table, columns: [name]}]}: tables the
// client added, or added columns to, since schema version `from` (below schemaVersion); they
// come whole. Names that are not synced tables are the client's own (local) tables.
Result<Migration> read_migration(const Request& req, int schema_version) {
  Migration out;
  const auto v = req.query_param("migration");
  if (!v || *v == "null" || v->empty()) return out;
  boost::system::error_code ec;
  const auto m = boost::json::parse(*v, ec);
  const auto bad = [] {
    return validation_error("migration", "must be null or {from, tables, columns}");
  };
  if (ec || !m.is_object()) return bad();
  const auto& o = m.as_object();
  const auto* from = o.if_contains("from");
  if (!from || !from->is_int64() || from->as_int64() < 1 || from->as_int64() >= schema_version)
    return validation_error("migration", "from must be a schema version below schemaVersion");
  out.from = static_cast<int>(from->as_int64());
  const auto add = [&](std::string_view name) {
    if (const auto* t = find_table(name); t && t->since_version <= schema_version)
      out.tables.emplace_back(name);
  };
  if (const auto* t = o.if_contains("tables")) {
    if (!string_array(t)) return bad();
    for (const auto& name : t->as_array()) add(name.as_string());
  }
  if (const auto* c = o.if_contains("columns")) {
    if (!c->is_array()) return bad();
    for (const auto& entry : c->as_array()) {
      const auto* e = entry.if_object();
      const auto* name = e ? e->if_contains("table") : nullptr;
      if (!name || !name->is_string() || !string_array(e->if_contains("columns"))) return bad();
      add(name->as_string());
    }
  }
  return out;
}

Task<Response> pull(SyncService* svc, Request req) {
  auto position = read_position(req, false);
  if (!position) co_return fail(req, position.error());
  auto version = read_schema_version(req);
  if (!version) co_return fail(req, version.error());
  auto migration = read_migration(req, *version);
  if (!migration) co_return fail(req, migration.error());
  PullRequest r{*position, std::move(migration->tables), *version, migration->from};
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
