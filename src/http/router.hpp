// Matches a method and a path against the registered routes and extracts {param} segments.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"
#include "http/types.hpp"

namespace gd::http {

struct Route {
  std::string method;
  std::string pattern;                // as registered, used as the metrics label
  std::vector<std::string> segments;  // "{}" marks a parameter
  RouteOptions options;
  Handler handler;
  RouteMetrics* metrics = nullptr;  // set once by the server before it starts serving
};

struct Match {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::string> params;
  std::string allowed_methods;  // for 405, e.g. "GET, PATCH"
};

class Router final : public RouteTable {
 public:
  void add(std::string method, std::string pattern, RouteOptions options, Handler handler) override;
  void set_fallback(RouteOptions options, Handler handler) override;
  Match match(std::string_view method, std::string_view path) const;
  std::vector<std::unique_ptr<Route>>& routes() { return routes_; }
  Route* fallback() { return fallback_.get(); }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Route> fallback_;  // pattern "/*": GET and HEAD that match nothing else
};

}  // namespace gd::http
