// Reading a page request off a URL: `limit` (default 20, max 100) and an opaque cursor.
#pragma once
#include <cstddef>

#include "core/page.hpp"
#include "core/result.hpp"
#include "http/types.hpp"

namespace gd {

// Reads ?limit= and ?cursor=; VALIDATION_FAILED for a bad limit or a cursor that is not
// one of ours (expecting `parts` fields).
Result<PageRequest> read_page(const http::Request& req, std::size_t parts);

}  // namespace gd
