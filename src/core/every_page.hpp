// Reads a whole keyset-paginated list, a page at a time (data exports): the same pages a
// client would walk, without holding one statement open for all of them.
#pragma once
#include <cstddef>
#include <vector>

#include "core/async.hpp"
#include "core/page.hpp"

namespace gd {

// `fetch(page)` returns up to page.limit + 1 rows in list order (the extra one says that more
// follow); `key(row)` is a row's cursor key. Returns every row. `fetch` is awaited before
// every_page returns, so it may refer to the caller's objects.
template <class Row, class Fetch, class Key>
Task<std::vector<Row>> every_page(Fetch fetch, Key key, int page_size = 1000) {
  std::vector<Row> all;
  PageRequest page;
  page.limit = page_size;
  for (;;) {
    std::vector<Row> rows = co_await fetch(page);
    const bool more = static_cast<int>(rows.size()) > page.limit;
    if (more) rows.resize(static_cast<std::size_t>(page.limit));
    for (auto& r : rows) all.push_back(std::move(r));
    if (!more) break;
    page.after = key(all.back());
  }
  co_return all;
}

}  // namespace gd
