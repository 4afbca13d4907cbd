// Middleware order (userver's): metrics -> request id -> error catcher -> auth -> body
// checks -> handler. Rate limits live in the handlers that need them (login, register).
#include "http/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <exception>
#include <iterator>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/infra_error.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "http/log.hpp"

namespace gd::http {
namespace {

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

std::string_view find_header(const Exchange& ex, std::string_view name) {
  for (const auto& [k, v] : ex.headers)
    if (k == name) return v;
  return {};
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool is_json_content_type(std::string_view ct) {
  if (!iequals_prefix(ct, "application/json")) return false;
  return ct.size() == 16 || ct[16] == ';' || ct[16] == ' ';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Every header of a preflight's Access-Control-Request-Headers (a comma list) is allowed.
bool headers_allowed(std::string_view requested, const std::vector<std::string>& allowed) {
  while (!requested.empty()) {
    const auto comma = requested.find(',');
    const auto name = trim_ows(requested.substr(0, comma));
    requested = comma == std::string_view::npos ? "" : requested.substr(comma + 1);
    if (name.empty()) continue;
    bool found = false;
    for (const auto& a : allowed) found = found || a == "*" || iequals(name, a);
    if (!found) return false;
  }
  return true;
}

void add_field(std::string& line, std::string_view name, std::string_view value) {
  line += ",\"";
  line += name;
  line += "\":\"";
  append_log_text(line, value);
  line += '"';
}

}  // namespace

Pipeline::Pipeline(const ServerOptions& options, Metrics& metrics, Router& router)
    : options_(options), metrics_(metrics), router_(router) {
  if (options_.access_log) {
    access_log_ = spdlog::get("access");
    if (!access_log_) {
      access_log_ = spdlog::default_logger()->clone("access");
      access_log_->set_pattern("%v");
    }
  }
}

void Pipeline::attach_metrics() {
  for (auto& r : router_.routes()) r->metrics = &metrics_.route(r->method, r->pattern);
  if (auto* f = router_.fallback()) f->metrics = &metrics_.route(f->method, f->pattern);
  unmatched_ = &metrics_.route("ANY", "unmatched");
}

void Pipeline::prepare(Exchange& ex) const {
  const auto incoming = find_header(ex, "x-request-id");
  ex.request_id = valid_request_id(incoming) ? std::string(incoming) : fast_id();
  ex.origin = std::string(find_header(ex, "origin"));
  ex.user_agent = std::string(find_header(ex, "user-agent").substr(0, kMaxLoggedUserAgent));
  if (auto trace = trace_id_of(find_header(ex, "traceparent"))) ex.trace_id = std::move(*trace);
  ex.body_limit = options_.max_body_bytes;
  ex.metrics = unmatched_;
  auto parsed = boost::urls::parse_origin_form(ex.target);
  if (!parsed) {
    ex.early_error = ErrorCode::kMalformedRequest;
    return;
  }
  ex.path = parsed->path();
  for (auto p : parsed->params()) ex.query.emplace_back(p.key, p.value);
  ex.match = router_.match(ex.method, ex.path);
  if (ex.match.kind == Match::Kind::kFound) {
    ex.metrics = ex.match.route->metrics;
    if (ex.match.route->options.max_body_bytes)
      ex.body_limit = ex.match.route->options.max_body_bytes;
  }
}

Task<Response> Pipeline::run(Exchange& ex) const {
  Response res;
  if (ex.early_error) {
    if (ex.request_id.empty()) ex.request_id = fast_id();
    res = Response::problem(make_error(*ex.early_error, "The request could not be read."),
                            ex.request_id);
  } else {
    try {
      res = co_await dispatch(ex);
    } catch (const InfraError& e) {
      if (!e.temporary()) co_return internal_error(ex, e);
      co_return unavailable(ex, e);
    } catch (const boost::system::system_error& e) {
      // Cancelled because the client hung up (http/server.cpp): nobody gets this answer.
      if (e.code() != boost::asio::error::operation_aborted) co_return internal_error(ex, e);
      spdlog::info("request_id={} {} {} cancelled: the client hung up", ex.request_id, ex.method,
                   ex.path);
      res = Response::problem(make_error(ErrorCode::kInternal, ""), ex.request_id);
    } catch (const std::exception& e) {
      co_return internal_error(ex, e);
    }
  }
  add_common_headers(ex, res);
  co_return res;
}

// A temporary infrastructure failure (no database connection in time, the database not
// ready): 503 with Retry-After, so clients and load balancers back off instead of failing.
Response Pipeline::unavailable(const Exchange& ex, const std::exception& e) const {
  spdlog::warn("request_id={} {} {} unavailable: {}", ex.request_id, ex.method, ex.path, e.what());
  Error error =
      make_error(ErrorCode::kServiceUnavailable, "The service is busy or starting; try again.");
  error.retry_after_s = 1;
  auto res = Response::problem(error, ex.request_id);
  add_common_headers(ex, res);
  return res;
}

Response Pipeline::internal_error(const Exchange& ex, const std::exception& e) const {
  spdlog::error("request_id={} {} {} failed: {}", ex.request_id, ex.method, ex.path, e.what());
  auto res = Response::problem(make_error(ErrorCode::kInternal, ""), ex.request_id);
  add_common_headers(ex, res);
  return res;
}

Task<Response> Pipeline::dispatch(Exchange& ex) const {
  if (ex.method == "OPTIONS") co_return preflight(ex);
  if (ex.match.kind == Match::Kind::kNotFound)
    co_return Response::problem(make_error(ErrorCode::kNotFound, "No route for " + ex.path + "."),
                                ex.request_id);
  if (ex.match.kind == Match::Kind::kMethodNotAllowed) {
    auto res = Response::problem(
        make_error(ErrorCode::kMethodNotAllowed, ex.method + " is not allowed on " + ex.path + "."),
        ex.request_id);
    res.headers.emplace_back("Allow", ex.match.allowed_methods);
    co_return res;
  }
  const Route& route = *ex.match.route;
  Request req;
  req.method = ex.method;
  req.path = ex.path;
  req.query = std::move(ex.query);
  req.headers = std::move(ex.headers);
  req.path_params = std::move(ex.match.params);
  req.body = std::move(ex.body);
  req.remote_ip = ex.remote_ip;
  req.request_id = ex.request_id;
  if (auto refused = co_await authenticate(route, req)) co_return std::move(*refused);
  if (req.principal) {
    ex.user_id = req.principal->user_id;
    ex.partner_id = req.principal->partner_id;
  }
  if (route.options.json_body && !is_json_content_type(req.header("content-type").value_or("")))
    co_return Response::problem(
        make_error(ErrorCode::kUnsupportedMediaType, "The body must be application/json."),
        ex.request_id);
  co_return co_await route.handler(std::move(req));
}

Task<std::optional<Response>> Pipeline::authenticate(const Route& route, Request& req) const {
  const Auth mode = route.options.auth;
  if (mode == Auth::kNone) co_return std::nullopt;
  const bool api_key = mode == Auth::kApiKey;
  const std::string_view scheme = api_key ? "apikey " : "bearer ";
  const auto authz = req.header("authorization").value_or("");
  auto refuse = [&](Error e) -> std::optional<Response> {
    auto res = Response::problem(e, req.request_id);
    if (api_key)
      for (auto& [name, value] : res.headers)
        if (name == "WWW-Authenticate") value = "ApiKey";
    return res;
  };
  if (authz.empty() || (api_key ? !api_key_authenticator_ : !authenticator_))
    co_return refuse(make_error(ErrorCode::kUnauthenticated, api_key
                                                                 ? "An API key is required."
                                                                 : "A bearer token is required."));
  if (!iequals_prefix(authz, scheme))
    co_return refuse(make_error(api_key ? ErrorCode::kApiKeyInvalid : ErrorCode::kTokenInvalid,
                                api_key ? "Expected an ApiKey." : "Expected a bearer token."));
  std::string credential(authz.substr(scheme.size()));
  std::optional<Result<Principal>> principal;
  if (api_key) {
    principal.emplace(co_await api_key_authenticator_->authenticate_key(std::move(credential)));
  } else {
    principal.emplace(co_await authenticator_->authenticate(std::move(credential),
                                                            route.options.role.has_value()));
  }
  if (!*principal) co_return refuse(principal->error());
  req.principal = std::move(principal->value());
  if (route.options.role && !req.principal->has_role(*route.options.role))
    co_return refuse(
        make_error(ErrorCode::kForbidden,
                   "This needs the " + std::string(role_name(*route.options.role)) + " role."));
  co_return std::nullopt;
}

const std::string* Pipeline::allowed_origin(const Exchange& ex) const {
  if (ex.origin.empty()) return nullptr;
  for (const auto& o : options_.cors_origins)
    if (o == "*" || o == ex.origin) return &o;
  return nullptr;
}

// A preflight from an allowed origin that asks only for allowed headers gets the CORS
// headers; any other is answered without them, and the browser refuses the request.
Response Pipeline::preflight(const Exchange& ex) const {
  Response res = Response::no_content();
  if (allowed_origin(ex) && !find_header(ex, "access-control-request-method").empty() &&
      headers_allowed(find_header(ex, "access-control-request-headers"),
                      options_.cors_allow_headers)) {
    res.headers.emplace_back("Access-Control-Allow-Methods",
                             "GET, POST, PATCH, PUT, DELETE, OPTIONS");
    std::string allowed;
    for (const auto& h : options_.cors_allow_headers) allowed += (allowed.empty() ? "" : ", ") + h;
    res.headers.emplace_back("Access-Control-Allow-Headers", std::move(allowed));
    res.headers.emplace_back("Access-Control-Max-Age", "600");
  }
  return res;
}

void Pipeline::add_common_headers(const Exchange& ex, Response& res) const {
  res.headers.emplace_back("X-Request-Id", ex.request_id);
  if (ex.match.kind == Match::Kind::kFound &&
      (ex.match.route->options.no_store || ex.match.route->options.auth != Auth::kNone)) {
    res.headers.emplace_back("Cache-Control", "no-store");
    res.headers.emplace_back("Pragma", "no-cache");
  }
  if (allowed_origin(ex)) {
    res.headers.emplace_back("Access-Control-Allow-Origin", ex.origin);
    res.headers.emplace_back("Access-Control-Expose-Headers",
                             "X-Request-Id, Retry-After, Idempotent-Replayed");
    res.headers.emplace_back("Vary", "Origin");
  }
}

void Pipeline::finish(const Exchange& ex, int status, std::size_t bytes) const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started).count();
  if (ex.metrics) ex.metrics->observe(status, seconds);
  if (!access_log_) return;
  access_log_->info("{}", access_line(ex, status, seconds, bytes));
}

// One JSON object, the same in both --log-formats (docs/operations.md#logs).
std::string access_line(const Exchange& ex, int status, double seconds, std::size_t bytes) {
  const std::string_view path = ex.path.empty() ? std::string_view(ex.target) : ex.path;
  std::string line;
  line.reserve(384 + path.size() + ex.user_agent.size());
  line += R"({"ts":")";
  line += iso8601_ms(now_ms());
  line += R"(","level":"info","type":"access","msg":")";
  append_log_text(line, ex.method);
  line += ' ';
  append_log_text(line, path);
  fmt::format_to(std::back_inserter(line), " {}\"", status);
  add_field(line, "requestId", ex.request_id);
  add_field(line, "method", ex.method);
  add_field(line, "path", path);
  add_field(line, "route",
            ex.match.route ? std::string_view(ex.match.route->pattern) : "unmatched");
  fmt::format_to(std::back_inserter(line), R"(,"status":{},"durationMs":{:.3f},"bytes":{})", status,
                 seconds * 1000.0, bytes);
  add_field(line, "ip", ex.remote_ip);
  add_field(line, "userAgent", ex.user_agent);
  if (!ex.user_id.empty()) add_field(line, "userId", ex.user_id);
  if (!ex.partner_id.empty()) add_field(line, "partnerId", ex.partner_id);
  if (!ex.trace_id.empty()) add_field(line, "traceId", ex.trace_id);
  line += '}';
  return line;
}

}  // namespace gd::http
