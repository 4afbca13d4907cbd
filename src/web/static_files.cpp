// Content types, ETags and safe loading of the web app's files.
#include "web/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace gd::web {
namespace fs = std::filesystem;
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// FNV-1a: the same ETag for the same bytes on every node, in every process.
std::string etag_for(std::string_view data) {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("\"{:016x}-{:x}\"", h, data.size());
}

bool is_within(const fs::path& root, const fs::path& p) {
  auto r = root.begin();
  auto i = p.begin();
  for (; r != root.end(); ++r, ++i)
    if (i == p.end() || *r != *i) return false;
  return true;
}

}  // namespace

std::string content_type_for(std::string_view name) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".webmanifest", "application/manifest+json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& t : kTypes)
    if (ends_with(name, t.ext)) return std::string(t.type);
  return "application/octet-stream";
}

std::optional<std::string> file_name_for(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path == "/") return "index.html";
  std::string_view rest = path.substr(1);
  for (std::size_t i = 0; i <= rest.size();) {
    const auto j = std::min(rest.find('/', i), rest.size());
    const auto seg = rest.substr(i, j - i);
    if (seg.empty() || seg == "." || seg == ".." ||
        seg.find_first_of(std::string_view("\\\0", 2)) != std::string_view::npos)
      return std::nullopt;
    i = j + 1;
  }
  return std::string(rest);
}

void StaticFiles::add(std::string name, std::string data) {
  StaticFile f;
  f.content_type = content_type_for(name);
  f.etag = etag_for(data);
  f.immutable = name.starts_with("assets/");
  f.data = std::move(data);
  files_.insert_or_assign(std::move(name), std::move(f));
}

const StaticFile* StaticFiles::find(std::string_view path) const {
  const auto name = file_name_for(path);
  if (!name) return nullptr;
  const auto it = files_.find(*name);
  return it == files_.end() ? nullptr : &it->second;
}

StaticFiles StaticFiles::from_embedded(const std::vector<embedded::File>& files) {
  StaticFiles out;
  for (const auto& f : files) out.add(std::string(f.name), std::string(f.data));
  return out;
}

StaticFiles StaticFiles::from_directory(const std::string& dir) {
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root))
    throw std::runtime_error("--web-dir " + dir + " is not a directory");
  StaticFiles out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const fs::path real = fs::canonical(entry.path(), ec);
    if (ec || !is_within(root, real) || !fs::is_regular_file(real)) continue;
    const std::string name = entry.path().lexically_relative(root).generic_string();
    if (!file_name_for("/" + name)) continue;
    std::ifstream in(real, std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    out.add(name, std::move(data).str());
  }
  if (!out.find("/"))
    throw std::runtime_error("--web-dir " + dir + " has no index.html (is it a web build?)");
  return out;
}

}  // namespace gd::web
