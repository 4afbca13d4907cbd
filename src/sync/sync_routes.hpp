// GET /api/v1/sync/pull and POST /api/v1/sync/push (WatermelonDB synchronize()).
#pragma once
#include "http/router.hpp"
#include "sync/sync_service.hpp"

namespace gd::sync {

constexpr std::size_t kMaxPushBytes = 16 * 1024 * 1024;

void add_routes(http::Router& routes, SyncService& service);

}  // namespace gd::sync
