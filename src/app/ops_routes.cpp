// Operational endpoints: liveness, readiness (the database answers), Prometheus metrics,
// and the OpenAPI document compiled into the binary from docs/openapi.yaml.
#include "app/ops_routes.hpp"

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

Task<Response> metrics_text(Metrics* m, Request) {
  Response res = Response::json(200, m->render());
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  co_return res;
}

}  // namespace

void add_ops_routes(http::RouteTable& routes, db::Database& db, Metrics& metrics) {
  const http::RouteOptions open{http::Auth::kNone, false};
  routes.add("GET", "/healthz", open, [](Request) -> Task<Response> {
    co_return Response::json(200, R"({"status":"ok"})");
  });
  routes.add("GET", "/readyz", open, [d = &db](Request r) { return ready(d, std::move(r)); });
  routes.add("GET", "/metrics", open,
             [m = &metrics](Request r) { return metrics_text(m, std::move(r)); });
  routes.add("GET", "/api/v1/openapi.json", open, [](Request) -> Task<Response> {
    co_return Response::json(200, std::string(openapi_json()));
  });
}

}  // namespace gd::app
