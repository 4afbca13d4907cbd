// The web app's routes: one fallback handler that answers from an in-memory file set.
#include "web/web_routes.hpp"

#include <memory>
#include <stdexcept>

#include "core/check.hpp"
#include "core/json.hpp"
#include "web/bundle.hpp"

namespace gd::web {
namespace {

using http::Request;
using http::Response;

constexpr std::string_view kNotBuiltPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Good Deeds</title></head>
<body><h1>Good Deeds</h1>
<p>The web app was not built into this binary (GOODDEEDS_WEB=OFF). Build it with the
default options, or serve a build with <code>--web-dir DIR</code>. The API is at
<a href="/api/v1/openapi.json">/api/v1</a>.</p></body></html>
)";

constexpr std::string_view kDocsNotBuiltPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Good Deeds API reference</title></head>
<body><h1>Good Deeds API reference</h1>
<p>The API reference page was not built into this binary (GOODDEEDS_WEB=OFF): it is built
with the web app. The OpenAPI document it shows is at
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>
)";

// Paths that belong to the API and operations: a miss there is the API's 404, never a page.
bool reserved(std::string_view path) {
  for (std::string_view prefix : {"/api", "/media", "/healthz", "/readyz", "/metrics", "/docs"})
    if (path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/')) return true;
  return false;
}

bool accepts_html(const Request& req) {
  return req.header("accept").value_or("").find("text/html") != std::string_view::npos;
}

// An app route ("/tasks/123"), not a missing file: no file extension in the last segment,
// and not under assets/ (a stale hashed asset must be a 404, not HTML parsed as script).
bool is_app_route(std::string_view path) {
  if (path.starts_with("/assets/")) return false;
  const auto last = path.substr(path.rfind('/') + 1);
  return last.find('.') == std::string_view::npos;
}

bool etag_matches(std::string_view if_none_match, const std::string& etag) {
  if (if_none_match == "*") return true;
  std::size_t i = 0;
  while (i < if_none_match.size()) {
    auto j = if_none_match.find(',', i);
    if (j == std::string_view::npos) j = if_none_match.size();
    auto tag = if_none_match.substr(i, j - i);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    i = j + 1;
  }
  return false;
}

Response serve(const Request& req, const StaticFile& file, const std::string& csp) {
  Response res;
  res.headers = {
      {"ETag", file.etag},
      {"Cache-Control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache"},
      {"Content-Security-Policy", csp},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
  };
  if (etag_matches(req.header("if-none-match").value_or(""), file.etag)) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }
  res.content_type = file.content_type;
  res.body = file.data;
  return res;
}

}  // namespace

std::string tile_origin(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string::npos || (scheme != "https" && scheme != "http"))
    throw std::invalid_argument("--map-tiles-url must be an http(s) URL template");
  const auto host_end = url.find('/', scheme_end + 3);
  std::string origin = url.substr(0, host_end);
  if (const auto s = origin.find("{s}"); s != std::string::npos) origin.replace(s, 3, "*");
  if (origin.find_first_of("{}; ,'\"") != std::string::npos || origin.size() == scheme_end + 3)
    throw std::invalid_argument("--map-tiles-url has an unusable host: " + url);
  return origin;
}

std::string docs_content_security_policy() {
  return "default-src 'self'; script-src 'self'; style-src 'self'; "
         "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
         "form-action 'self'; frame-ancestors 'none'";
}

std::string content_security_policy(const std::string& map_tiles_url) {
  return "default-src 'self'; script-src 'self'; style-src 'self'; "
         "img-src 'self' data: blob: " +
         tile_origin(map_tiles_url) +
         "; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
         "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
}

StaticFiles load_files(const WebOptions& options) {
  StaticFiles files = options.dir.empty() ? StaticFiles::from_embedded(web_bundle::files())
                                          : StaticFiles::from_directory(options.dir);
  if (files.empty()) files.add("index.html", std::string(kNotBuiltPage));
  if (!files.find("/docs/index.html")) files.add("docs/index.html", std::string(kDocsNotBuiltPage));
  boost::json::object config{{"mapTilesUrl", options.map_tiles_url}};
  boost::json::object oauth;  // only the configured providers; none: no "oauth" at all
  for (const auto& p : options.oauth)
    oauth[p.name] = boost::json::object{{"clientId", p.client_id}, {"authUrl", p.auth_url}};
  if (!oauth.empty()) config["oauth"] = std::move(oauth);
  files.add("config.json", json::serialize(config));
  return files;
}

namespace {

struct State {
  StaticFiles files;
  std::string csp;
  std::string docs_csp;
};

// Parameters by value: a coroutine (STYLE.md, CP.53).
Task<Response> answer(std::shared_ptr<const State> state, Request req) {
  if (!reserved(req.path)) {
    if (const auto* file = state->files.find(req.path)) co_return serve(req, *file, state->csp);
    if (accepts_html(req) && is_app_route(req.path) && file_name_for(req.path))
      co_return serve(req, *state->files.find("/"), state->csp);
  }
  co_return http::fail(req, make_error(ErrorCode::kNotFound, "No route for " + req.path + "."));
}

// /docs (and /docs/) is the reference page, /docs/{file} what it loads; nothing else of the
// app is reachable under /docs, and the app's pages never get the docs' policy.
Task<Response> answer_docs(std::shared_ptr<const State> state, Request req) {
  const bool page = req.path_params.empty();
  if (const auto* file = state->files.find(page ? "/docs/index.html" : req.path))
    co_return serve(req, *file, state->docs_csp);
  co_return http::fail(req, make_error(ErrorCode::kNotFound, "No route for " + req.path + "."));
}

}  // namespace

void add_routes(http::RouteTable& routes, StaticFiles files, const WebOptions& options) {
  GD_CHECK(files.find("/") != nullptr);                 // load_files always has an index.html
  GD_CHECK(files.find("/docs/index.html") != nullptr);  // and a docs page
  auto state = std::make_shared<const State>(State{std::move(files),
                                                   content_security_policy(options.map_tiles_url),
                                                   docs_content_security_policy()});
  const http::RouteOptions open{http::Auth::kNone, false};
  routes.set_fallback(open, [state](Request r) { return answer(state, std::move(r)); });
  for (const char* path : {"/docs", "/docs/{file}"})
    routes.add("GET", path, open, [state](Request r) { return answer_docs(state, std::move(r)); });
}

}  // namespace gd::web
