// The small request/response types that route handlers see. No Beast here: the server
// translates between these and Beast's messages.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/byte_sink.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/role.hpp"

namespace gd::http {

// Who is calling, filled in by the auth middleware from a verified access token (or, on
// partner API routes, from a partner API key: user_id is then the partner's id and
// session_id the key's id).
// Who makes a request: a signed-in person (a bearer token: user_id and session_id), or a
// partner's point of sale (an API key: partner_id and the key's id, user_id empty).
struct Principal {
  std::string user_id;
  std::string session_id;
  Roles roles;
  std::string partner_id;
  bool has_role(Role role) const { return roles.has(role); }
  UserId user() const { return UserId(user_id); }
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded path without the query, e.g. "/api/v1/users/me"
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::vector<std::string> path_params;                      // values of {name} segments, in order
  std::string body;
  std::string remote_ip;
  std::string request_id;
  std::optional<Principal> principal;

  std::optional<std::string_view> header(std::string_view lower_name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
  const std::string& param(std::size_t i) const { return path_params.at(i); }
};

// Produces a response body in pieces (see ByteSink): the server sends the headers with the
// first piece and each piece as a chunk. If it throws before sending anything, the client
// gets a 500 problem instead; after that, the connection is closed mid-body.
using BodyStream = std::function<Task<void>(ByteSink&)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyStream stream;  // when set, the body comes from it and `body` is unused

  static Response json(int status, std::string body);
  static Response streamed_json(int status, BodyStream stream);
  static Response no_content();
  // RFC 9457 problem document for an Error; the status comes from the code table.
  static Response problem(const Error& error, std::string_view request_id = {});
};

// The problem response for `error`, carrying the request's id: what handlers return on failure.
Response fail(const Request& req, const Error& error);
// 400 INVALID_ID: a path id that is not a UUID.
Error invalid_id();

// Every route handler has this shape; the Request is passed by value (coroutine rule CP.53).
using Handler = std::function<Task<Response>(Request)>;

// kRequired: a bearer access token; kApiKey: `Authorization: ApiKey <key>` (partner API).
enum class Auth { kNone, kRequired, kApiKey };

struct RouteOptions {
  Auth auth = Auth::kRequired;
  bool json_body = false;          // a POST/PATCH whose body must be application/json
  std::size_t max_body_bytes = 0;  // 0: the server-wide limit
  std::optional<Role> role = {};   // a role the caller's account must have (403 otherwise)
  // Responses carry `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1, ASVS
  // 8.2.1): for open routes that hand out secrets (tokens). Routes that need a token get them
  // whatever this says, since what they answer is someone's own data (exports, discount
  // codes, API keys).
  bool no_store = false;
};

// Verifies a bearer token; implemented by the auth module.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // `current_roles`: the route needs a role, so the principal's roles are the account's as
  // they are now (a demoted admin loses admin routes at once), not the token's.
  virtual Task<Result<Principal>> authenticate(std::string bearer_token, bool current_roles) = 0;
};

// Verifies a partner API key; implemented by the partners module.
class ApiKeyAuthenticator {
 public:
  virtual ~ApiKeyAuthenticator() = default;
  virtual Task<Result<Principal>> authenticate_key(std::string api_key) = 0;
};

// A module adds its routes through this; the router owns matching.
class RouteTable {
 public:
  virtual ~RouteTable() = default;
  // pattern like "/api/v1/users/{id}"; each {name} segment becomes a path param.
  virtual void add(std::string method, std::string pattern, RouteOptions options,
                   Handler handler) = 0;
  // The handler for a GET or HEAD that no route matches (the web app's files); without one,
  // such a request is a 404 problem. The handler decides what stays a 404.
  virtual void set_fallback(RouteOptions options, Handler handler) = 0;
};

}  // namespace gd::http
