// Reading a page request off a URL: `limit` (default 20, max 100) and an opaque cursor that
// only the list which gave it out accepts back (core/page.hpp has the codec).
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/page.hpp"
#include "core/result.hpp"
#include "http/types.hpp"

namespace gd {

// What a list's cursor is bound to besides its route and caller: the types of its key and
// the query parameters that shape the list, in a canonical text the handler writes.
struct ListCursor {
  CursorSchema schema;
  std::string shape;
};

// The shape made of the raw values of the named query parameters (absent ones included).
std::string query_shape(const http::Request& req, std::initializer_list<std::string_view> names);

// Reads ?limit= (VALIDATION_FAILED unless 1..100) and ?cursor= (INVALID_CURSOR unless this
// route gave it out to this caller for a list of the same shape). An empty cursor is the
// first page.
Result<PageRequest> read_page(const http::Request& req, const CursorCodec& cursors,
                              const ListCursor& list);

// The cursor of the page that follows the row whose key is `last`.
std::string next_cursor(const http::Request& req, const CursorCodec& cursors,
                        const ListCursor& list, const std::vector<CursorValue>& last);

}  // namespace gd
