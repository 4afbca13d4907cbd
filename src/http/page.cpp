// Reads ?limit= and ?cursor= into a PageRequest.
#include "http/page.hpp"

#include <charconv>

namespace gd {

Result<PageRequest> read_page(const http::Request& req, std::size_t parts) {
  PageRequest page;
  if (auto limit = req.query_param("limit")) {
    int n = 0;
    const auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || p != limit->data() + limit->size() || n < 1 || n > 100)
      return validation_error("limit", "must be an integer from 1 to 100");
    page.limit = n;
  }
  if (auto cursor = req.query_param("cursor"); cursor && !cursor->empty()) {
    auto decoded = decode_cursor(*cursor, parts);
    if (!decoded) return validation_error("cursor", "is not a valid cursor");
    page.after = std::move(*decoded);
  }
  return page;
}

}  // namespace gd
