// POST /api/v1/uploads (an image body) and GET /media/{name} (public, cacheable forever).
#pragma once
#include "http/types.hpp"
#include "media/media_service.hpp"

namespace gd::media {
void add_routes(http::RouteTable& routes, MediaService& service);
}  // namespace gd::media
