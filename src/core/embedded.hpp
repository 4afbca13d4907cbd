// Files compiled into the binary (migrations, OpenAPI document, password list).
#pragma once
#include <string_view>
#include <vector>

namespace gd::embedded {
struct File {
  std::string_view name;  // path relative to the source tree, e.g. "src/store/migrations/..."
  std::string_view data;
};
const std::vector<File>& files();
}  // namespace gd::embedded
