// /healthz, /readyz, /metrics and the OpenAPI document.
#pragma once
#include "core/metrics.hpp"
#include "http/types.hpp"
#include "store/db.hpp"

namespace gd::app {
void add_ops_routes(http::RouteTable& routes, db::Database& db, Metrics& metrics);
}  // namespace gd::app
