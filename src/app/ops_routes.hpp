// /healthz, /readyz, /metrics and the OpenAPI document; the metrics of the whole process.
#pragma once
#include "core/metrics.hpp"
#include "http/types.hpp"
#include "store/db.hpp"
#include "users/activity.hpp"

namespace gd::app {
// /metrics refreshes the active-user counts (cached) before it renders.
void add_ops_routes(http::RouteTable& routes, db::Database& db, Metrics& metrics,
                    users::Activity& activity);
// gooddeeds_build_info and the database's connection-wait histogram
// (gooddeeds_db_pool_wait_seconds).
void add_ops_metrics(Metrics& metrics, db::Database& db);
}  // namespace gd::app
