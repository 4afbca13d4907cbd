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

// The files directly in `dir` (e.g. "src/notifications/texts/"), each by its name without the
// extension ("de" for ".../de.json").
inline std::vector<File> in_dir(std::string_view dir) {
  std::vector<File> out;
  for (const auto& f : files()) {
    if (f.name.substr(0, dir.size()) != dir) continue;
    const auto rest = f.name.substr(dir.size());
    if (rest.find('/') != std::string_view::npos) continue;
    out.push_back({rest.substr(0, rest.find('.')), f.data});
  }
  return out;
}
}  // namespace gd::embedded
