// GET /api/v1/sync/pull and POST /api/v1/sync/push (WatermelonDB synchronize()).
#pragma once
#include <cstddef>

#include "http/router.hpp"
#include "sync/sync_service.hpp"

namespace gd::sync {

// `max_push_bytes`: the largest push body (413 beyond): --max-sync-push-bytes.
void add_routes(http::Router& routes, SyncService& service, std::size_t max_push_bytes);

}  // namespace gd::sync
