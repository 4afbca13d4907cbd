// Cursor pagination shared by every list route: `limit` (default 20, max 100) and an opaque cursor
// that encodes the sort key of the last item returned.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/types.hpp"

namespace gd {

struct PageRequest {
  int limit = 20;
  std::vector<std::string> after;  // decoded cursor parts; empty for the first page
};

// Reads ?limit= and ?cursor=; VALIDATION_FAILED for a bad limit or a cursor that is not
// one of ours (expecting `parts` fields).
Result<PageRequest> read_page(const http::Request& req, std::size_t parts);
std::string encode_cursor(const std::vector<std::string>& parts);

}  // namespace gd
