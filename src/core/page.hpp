// Cursor pagination shared by every list: a page request (`limit` and the decoded cursor) and
// the cursor encoding. Services and stores see PageRequest; http/page.hpp reads it off a URL.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gd {

struct PageRequest {
  int limit = 20;
  std::vector<std::string> after;  // decoded cursor parts; empty for the first page
};

std::string encode_cursor(const std::vector<std::string>& parts);
// The parts of a cursor made by encode_cursor, or nullopt for anything else (including a
// cursor with another number of parts than `parts`).
std::optional<std::vector<std::string>> decode_cursor(std::string_view text, std::size_t parts);

}  // namespace gd
