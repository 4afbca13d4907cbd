// The set of files the web app consists of, held in memory: the bundle compiled into the
// binary or a build read once from a directory (--web-dir). A request path is looked up by
// name, so nothing outside the set can ever be served.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/embedded.hpp"

namespace gd::web {

struct StaticFile {
  std::string data;
  std::string content_type;
  std::string etag;        // strong, quoted, from the content
  bool immutable = false;  // a content-hashed asset (Vite's assets/): cached for a year
};

class StaticFiles {
 public:
  static StaticFiles from_embedded(const std::vector<embedded::File>& files);
  // Regular files under `dir`, recursively; entries that resolve outside `dir` (symlinks) are
  // skipped. Throws std::runtime_error when `dir` is not a directory or has no index.html.
  static StaticFiles from_directory(const std::string& dir);

  void add(std::string name, std::string data);
  // `path` is the request's decoded path ("/", "/assets/x.js"); nullptr for anything that is
  // not exactly a file of the set ("..", ".", empty segments and backslashes never are).
  const StaticFile* find(std::string_view path) const;
  bool empty() const { return files_.empty(); }
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

// "text/javascript; charset=utf-8" and so on, by the name's extension.
std::string content_type_for(std::string_view name);
// The name under which `path` would be stored, or nullopt for a path that can never name a
// file (a "." or ".." segment, an empty segment, a backslash or a NUL).
std::optional<std::string> file_name_for(std::string_view path);

}  // namespace gd::web
