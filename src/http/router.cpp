// Route matching by segments. The table is small (tens of routes), so a linear scan over
// pre-split patterns is faster than anything cleverer and easy to read.
#include "http/router.hpp"

#include <stdexcept>

namespace gd::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string_view::npos ? path.size() : j;
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool segments_match(const Route& r, const std::vector<std::string_view>& parts,
                    std::vector<std::string>* params) {
  if (r.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (r.segments[i] == "{}") continue;
    if (r.segments[i] != parts[i]) return false;
  }
  if (params) {
    params->clear();
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (r.segments[i] == "{}") params->emplace_back(parts[i]);
  }
  return true;
}

bool allowed_contains(std::string_view list, std::string_view method) {
  std::size_t i = 0;
  while (i < list.size()) {
    const auto j = list.find(", ", i);
    const auto end = j == std::string_view::npos ? list.size() : j;
    if (list.substr(i, end - i) == method) return true;
    i = end + 2;
  }
  return false;
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteOptions options, Handler handler) {
  auto route = std::make_unique<Route>();
  for (auto seg : split_path(pattern)) {
    const bool is_param = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
    route->segments.emplace_back(is_param ? "{}" : std::string(seg));
  }
  route->method = std::move(method);
  route->pattern = std::move(pattern);
  route->options = options;
  route->handler = std::move(handler);
  for (const auto& r : routes_)
    if (r->method == route->method && r->segments == route->segments)
      throw std::logic_error("duplicate route " + route->method + " " + route->pattern);
  routes_.push_back(std::move(route));
}

void Router::set_fallback(RouteOptions options, Handler handler) {
  if (fallback_) throw std::logic_error("a fallback route is already set");
  fallback_ = std::make_unique<Route>();
  fallback_->method = "GET";
  fallback_->pattern = "/*";
  fallback_->options = options;
  fallback_->handler = std::move(handler);
}

Match Router::match(std::string_view method, std::string_view path) const {
  const auto parts = split_path(path);
  Match m;
  for (const auto& r : routes_) {
    if (!segments_match(*r, parts, nullptr)) continue;
    if (r->method == method || (method == "HEAD" && r->method == "GET")) {
      m.kind = Match::Kind::kFound;
      m.route = r.get();
      segments_match(*r, parts, &m.params);
      return m;
    }
    if (allowed_contains(m.allowed_methods, r->method)) continue;
    if (!m.allowed_methods.empty()) m.allowed_methods += ", ";
    m.allowed_methods += r->method;
  }
  if (!m.allowed_methods.empty()) {
    m.kind = Match::Kind::kMethodNotAllowed;
  } else if (fallback_ && (method == "GET" || method == "HEAD")) {
    m.kind = Match::Kind::kFound;
    m.route = fallback_.get();
  }
  return m;
}

}  // namespace gd::http
