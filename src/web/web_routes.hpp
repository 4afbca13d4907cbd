// Serves the web app at / (GET and HEAD that no API route matches): its files with caching
// headers and a Content-Security-Policy, /config.json for the app, and index.html for the
// app's own routes (history-API navigation). /api, /media and the operational paths are
// never answered from here. Also the API reference page at /docs (routes of its own, with
// its own policy).
#pragma once
#include <string>
#include <vector>

#include "http/types.hpp"
#include "web/static_files.hpp"

namespace gd::web {

// A sign-in provider the web app may offer: its web client id and authorization endpoint.
struct SignInProvider {
  std::string name;  // google | apple
  std::string client_id;
  std::string auth_url;
};

struct WebOptions {
  std::string dir;  // empty: the bundle compiled into the binary
  std::string map_tiles_url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  std::vector<SignInProvider> oauth;  // the configured ones, in /config.json
};

// The files to serve for `options`, /config.json included; a placeholder index.html when the
// binary was built without the web app and no --web-dir is given.
StaticFiles load_files(const WebOptions& options);
// The policy for the app's pages: its own origin, plus images from the tile server.
std::string content_security_policy(const std::string& map_tiles_url);
// The policy for the API reference at /docs: the app's less the tile server, the workers and
// the manifest. Swagger UI's own layout (no "standalone" top bar) needs no inline script or
// style; its icons are data: images, which the app's policy allows too.
std::string docs_content_security_policy();
// "https://{s}.tile.example.org/{z}/{x}/{y}.png" -> "https://*.tile.example.org"; throws
// std::invalid_argument for anything but an http(s) URL template.
std::string tile_origin(const std::string& map_tiles_url);

// Takes ownership of the files (kept alive by the handler).
void add_routes(http::RouteTable& routes, StaticFiles files, const WebOptions& options);

}  // namespace gd::web
