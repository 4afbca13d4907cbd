// Operational endpoints: liveness, readiness (the database answers), Prometheus metrics,
// and the OpenAPI document compiled into the binary from docs/openapi.yaml.
#include "app/ops_routes.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/embedded.hpp"

namespace gd::app {
namespace {

using http::Request;
using http::Response;

std::string_view openapi_json() {
  for (const auto& f : embedded::files())
    if (f.name == "openapi.json") return f.data;
  return "{}";
}

Task<Response> ready(db::Database* db, Request req) {
  bool ok = false;
  try {
    ok = co_await db->ping();
  } catch (const std::exception& e) {
    spdlog::warn("request_id={} readiness check failed: {}", req.request_id, e.what());
  }
  if (!ok)
    co_return Response::problem(
        make_error(ErrorCode::kServiceUnavailable, "The database is not reachable."),
        req.request_id);
  co_return Response::json(200, R"({"status":"ready"})");
}

Task<Response> metrics_text(Metrics* m, users::Activity* activity, Request) {
  co_await activity->refresh();
  Response res = Response::json(200, m->render());
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  co_return res;
}

}  // namespace

void add_ops_metrics(Metrics& metrics, db::Database& db) {
  metrics.info("gooddeeds_build_info", "The running build: its version and database back end.",
               fmt::format("version=\"{}\",backend=\"{}\"", GOODDEEDS_VERSION,
                           db.dialect() == db::Dialect::kPostgres ? "postgres" : "sqlite"));
  // From 100 µs (a free connection) to the 5 s default of --db-acquire-timeout-ms.
  db.observe_waits(&metrics.histogram(
      "gooddeeds_db_pool_wait_seconds",
      "Time a statement waited for its database connection (PostgreSQL: the pool's acquire; "
      "SQLite: the queue of the single writer).",
      "", {0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}));
}

void add_ops_routes(http::RouteTable& routes, db::Database& db, Metrics& metrics,
                    users::Activity& activity) {
  const http::RouteOptions open{http::Auth::kNone, false};
  routes.add("GET", "/healthz", open, [](Request) -> Task<Response> {
    co_return Response::json(200, R"({"status":"ok"})");
  });
  routes.add("GET", "/readyz", open, [d = &db](Request r) { return ready(d, std::move(r)); });
  routes.add("GET", "/metrics", open,
             [m = &metrics, a = &activity](Request r) { return metrics_text(m, a, std::move(r)); });
  routes.add("GET", "/api/v1/openapi.json", open, [](Request) -> Task<Response> {
    co_return Response::json(200, std::string(openapi_json()));
  });
}

}  // namespace gd::app
