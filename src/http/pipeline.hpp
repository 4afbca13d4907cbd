// The middleware chain between the socket and a route handler, free of Beast: request id,
// target parsing and route matching, CORS, authentication, content-type checks, the error
// catcher, metrics and the JSON access log.
#pragma once
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/types.hpp"

namespace spdlog {
class logger;
}

namespace gd::http {

// One request/response exchange as the server reads it.
struct Exchange {
  std::string method;
  std::string target;
  std::string remote_ip;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::steady_clock::time_point started;
  std::optional<ErrorCode>
      early_error;  // set when the request failed before it could be dispatched

  // Filled by Pipeline::prepare.
  std::string request_id;
  std::string origin;      // kept here: the headers move into the Request
  std::string user_agent;  // for the access log, cut to kMaxLoggedUserAgent bytes
  std::string trace_id;    // of a valid W3C traceparent header, else empty
  std::string user_id;     // the authenticated caller, once known (access log)
  std::string partner_id;  // the partner behind an API key, once known (access log)
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  Match match;
  std::size_t body_limit = 0;
  RouteMetrics* metrics = nullptr;
};

// A longer User-Agent is logged cut to this many bytes.
inline constexpr std::size_t kMaxLoggedUserAgent = 256;

// The access log line of a finished exchange: one JSON object (docs/operations.md#logs).
std::string access_line(const Exchange& ex, int status, double seconds, std::size_t bytes);

class Pipeline {
 public:
  Pipeline(const ServerOptions& options, Metrics& metrics, Router& router);
  void set_authenticator(Authenticator* a) { authenticator_ = a; }
  void set_api_key_authenticator(ApiKeyAuthenticator* a) { api_key_authenticator_ = a; }
  void attach_metrics();             // once, after all routes are registered
  void prepare(Exchange& ex) const;  // after the headers: id, target, route, body limit
  // Awaited at once by the exchange's owner, which outlives it.
  Task<Response> run(Exchange& ex) const;
  void finish(const Exchange& ex, int status, std::size_t bytes) const;
  // The 500 problem for a handler that threw (logged), with the common headers.
  Response internal_error(const Exchange& ex, const std::exception& e) const;
  // The 503 (Retry-After) for a temporary infrastructure failure (logged), likewise.
  Response unavailable(const Exchange& ex, const std::exception& e) const;

 private:
  Task<Response> dispatch(Exchange& ex) const;
  // The route's authentication and role check; nullopt when the request may go on. Awaited
  // at once by dispatch, which owns `req` (hence the reference).
  Task<std::optional<Response>> authenticate(const Route& route, Request& req) const;
  Response preflight(const Exchange& ex) const;
  void add_common_headers(const Exchange& ex, Response& res) const;
  const std::string* allowed_origin(const Exchange& ex) const;

  const ServerOptions& options_;
  Metrics& metrics_;
  Router& router_;
  Authenticator* authenticator_ = nullptr;
  ApiKeyAuthenticator* api_key_authenticator_ = nullptr;
  RouteMetrics* unmatched_ = nullptr;
  std::shared_ptr<spdlog::logger> access_log_;  // null when access logging is off
};

}  // namespace gd::http
