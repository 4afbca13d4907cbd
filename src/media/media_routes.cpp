// Thin handlers: the Content-Type gate (415) and the response shapes; the rules are in
// MediaService.
#include "media/media_routes.hpp"

namespace gd::media {
namespace {

using http::Request;
using http::Response;

// Stored media never change (every upload gets a fresh name), so caches may keep them.
void add_cache_headers(Response& res, const std::string& etag) {
  res.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  res.headers.emplace_back("ETag", etag);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos) return true;
  return if_none_match.find(etag) != std::string_view::npos;
}

Task<Response> handle_upload(MediaService* svc, Request req) {
  const auto declared = parse_upload_content_type(req.header("content-type").value_or(""));
  if (!declared)
    co_return fail(req, make_error(ErrorCode::kUnsupportedMediaType,
                                   "The body must be image/jpeg, image/png or image/webp "
                                   "(or application/octet-stream)."));
  auto name = co_await svc->upload(std::move(req.body), declared->format);
  if (!name) co_return fail(req, name.error());
  const std::string url = "/media/" + *name;  // a UUID and an extension: nothing to escape
  Response res = Response::json(201, "{\"url\":\"" + url + "\"}");
  res.headers.emplace_back("Location", url);
  co_return res;
}

// A blob from a store that reads in pieces: the piece already read, then the rest (none for
// a HEAD, whose body is not sent: the store is not asked for it).
Task<void> send_pieces(std::string first, std::function<Task<void>(ByteSink&)> rest,
                       ByteSink& sink) {
  co_await sink.send(first);
  if (rest) co_await rest(sink);
}

Response not_found(const Request& req) {
  return fail(req, make_error(ErrorCode::kNotFound, "No such media."));
}

Task<Response> handle_get(MediaService* svc, Request req) {
  const std::string name = req.param(0);
  const std::string etag = "\"" + name + "\"";  // names are unique and contents immutable
  Response res;
  // A revalidation needs only to know that the blob is there (a HEAD on S3), not its bytes.
  if (etag_matches(req.header("if-none-match").value_or(""), etag)) {
    if (!co_await svc->exists(name)) co_return not_found(req);
    res.status = 304;
    res.content_type.clear();
  } else {
    auto blob = co_await svc->get(name);
    if (!blob) co_return not_found(req);
    res.content_type = std::move(blob->content_type);
    if (blob->rest) {
      if (req.method == "HEAD") blob->rest = {};  // the body is not sent: do not read it
      res.stream = [first = std::move(blob->bytes), rest = std::move(blob->rest)](ByteSink& sink) {
        return send_pieces(first, rest, sink);
      };
    } else {
      res.body = std::move(blob->bytes);
    }
  }
  add_cache_headers(res, etag);
  co_return res;
}

}  // namespace

void add_routes(http::RouteTable& routes, MediaService& service) {
  using http::Auth;
  MediaService* svc = &service;
  routes.add("POST", "/api/v1/uploads",
             {Auth::kRequired, false, service.options().max_upload_bytes},
             [svc](Request r) { return handle_upload(svc, std::move(r)); });
  routes.add("GET", "/media/{name}", {Auth::kNone, false, 0},
             [svc](Request r) { return handle_get(svc, std::move(r)); });
}

}  // namespace gd::media
