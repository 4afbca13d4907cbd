// Reads ?limit= and ?cursor= into a PageRequest; a cursor's scope is the route, the caller and
// the list's shape.
#include "http/page.hpp"

#include <charconv>
#include <string>

namespace gd {
namespace {

// Method, path and user id hold no newline (paginated routes check their path ids before
// reading the page); the shape comes last.
std::string scope_of(const http::Request& req, const ListCursor& list) {
  std::string scope = req.method;
  scope += ' ';
  scope += req.path;
  scope += '\n';
  if (req.principal) scope += req.principal->user_id + req.principal->partner_id;
  scope += '\n';
  scope += list.shape;
  return scope;
}

}  // namespace

std::string query_shape(const http::Request& req, std::initializer_list<std::string_view> names) {
  std::string shape;
  for (const auto name : names) {
    // name=<length>:<value>, or the name alone when absent: no two shapes read the same.
    shape += name;
    if (auto v = req.query_param(name)) {
      shape += '=';
      shape += std::to_string(v->size());
      shape += ':';
      shape += *v;
    }
    shape += '\n';
  }
  return shape;
}

Result<PageRequest> read_page(const http::Request& req, const CursorCodec& cursors,
                              const ListCursor& list) {
  PageRequest page;
  if (auto limit = req.query_param("limit")) {
    int n = 0;
    const auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || p != limit->data() + limit->size() || n < 1 || n > 100)
      return validation_error("limit", "must be an integer from 1 to 100");
    page.limit = n;
  }
  if (auto cursor = req.query_param("cursor"); cursor && !cursor->empty()) {
    auto key = cursors.decode(*cursor, scope_of(req, list), list.schema);
    if (!key) return std::move(key).error();
    page.after = std::move(*key);
  }
  return page;
}

std::string next_cursor(const http::Request& req, const CursorCodec& cursors,
                        const ListCursor& list, const std::vector<CursorValue>& last) {
  return cursors.encode(scope_of(req, list), list.schema, last);
}

}  // namespace gd
