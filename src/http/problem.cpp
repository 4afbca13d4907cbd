// The one table from stable error codes to HTTP statuses and titles, and the problem+json
// (RFC 9457) rendering of an Error.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string_view>

#include "http/types.hpp"

namespace gd::http {
namespace {

struct CodeInfo {
  std::string_view code;
  int status;
  std::string_view title;
};

constexpr CodeInfo kCodes[] = {
    {"VALIDATION_FAILED", 400, "Invalid request"},
    {"MALFORMED_JSON", 400, "Malformed JSON body"},
    {"MALFORMED_REQUEST", 400, "Malformed request"},
    {"INVALID_ID", 400, "Invalid id"},
    {"INVALID_IMAGE", 400, "Invalid image"},
    {"IMAGE_TOO_LARGE", 400, "Image dimensions too large"},
    {"UNAUTHENTICATED", 401, "Authentication required"},
    {"TOKEN_INVALID", 401, "Invalid access token"},
    {"TOKEN_EXPIRED", 401, "Access token expired"},
    {"INVALID_CREDENTIALS", 401, "Invalid credentials"},
    {"REFRESH_TOKEN_INVALID", 401, "Invalid refresh token"},
    {"REFRESH_TOKEN_REUSED", 401, "Refresh token reused"},
    {"API_KEY_INVALID", 401, "Invalid API key"},
    {"FORBIDDEN", 403, "Forbidden"},
    {"CURRENT_PASSWORD_WRONG", 403, "Current password is incorrect"},
    {"CANNOT_APPLY_TO_OWN_TASK", 403, "Cannot apply to own task"},
    {"ACCOUNT_DISABLED", 403, "Account disabled"},
    {"NOT_FOUND", 404, "Not found"},
    {"USER_NOT_FOUND", 404, "User not found"},
    {"TASK_NOT_FOUND", 404, "Task not found"},
    {"APPLICATION_NOT_FOUND", 404, "Application not found"},
    {"PARTNER_NOT_FOUND", 404, "Partner not found"},
    {"OFFER_NOT_FOUND", 404, "Offer not found"},
    {"REDEMPTION_NOT_FOUND", 404, "Redemption not found"},
    {"CODE_NOT_FOUND", 404, "Discount code not found"},
    {"API_KEY_NOT_FOUND", 404, "API key not found"},
    {"METHOD_NOT_ALLOWED", 405, "Method not allowed"},
    {"EMAIL_TAKEN", 409, "Email already registered"},
    {"CONFLICT", 409, "Conflict"},
    {"TASK_NOT_OPEN", 409, "Task is not open"},
    {"TASK_STATUS_CONFLICT", 409, "Task is not in the required status"},
    {"ALREADY_APPLIED", 409, "Already applied"},
    {"APPLICATION_NOT_PENDING", 409, "Application is not pending"},
    {"INSUFFICIENT_POINTS", 409, "Insufficient points"},
    {"SYNC_CONFLICT", 409, "Sync conflict"},
    {"OFFER_NOT_AVAILABLE", 409, "Offer not available"},
    {"CODE_ALREADY_USED", 409, "Discount code already used"},
    {"CODE_EXPIRED", 409, "Discount code expired"},
    {"REDEMPTION_NOT_REFUNDABLE", 409, "Redemption cannot be refunded"},
    {"LIMIT_REACHED", 409, "Limit reached"},
    {"PAYLOAD_TOO_LARGE", 413, "Payload too large"},
    {"UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported media type"},
    {"IDEMPOTENCY_KEY_REUSED", 422, "Idempotency key reused with another request"},
    {"IDEMPOTENCY_KEY_IN_USE", 409, "Idempotency key in use"},
    {"RATE_LIMITED", 429, "Too many requests"},
    {"HEADERS_TOO_LARGE", 431, "Request header fields too large"},
    {"INTERNAL", 500, "Internal server error"},
    {"SERVICE_UNAVAILABLE", 503, "Service unavailable"},
};

const CodeInfo& lookup(std::string_view code) {
  for (const auto& c : kCodes)
    if (c.code == code) return c;
  return kCodes[std::size(kCodes) - 2];  // INTERNAL: an unmapped code is a bug, never leak it
}

}  // namespace

int status_for_code(std::string_view code) {
  return lookup(code).status;
}

Response Response::problem(const Error& error, std::string_view request_id) {
  const CodeInfo& info = lookup(error.code);
  boost::json::object doc;
  doc["type"] = "https://gooddeeds.dev/problems/" + std::string(info.code);
  doc["title"] = info.title;
  doc["status"] = info.status;
  doc["detail"] = info.status == 500 ? std::string("An unexpected error occurred.") : error.detail;
  doc["code"] = info.code;
  if (!request_id.empty()) doc["requestId"] = request_id;
  if (!error.errors.empty()) {
    boost::json::array arr;
    for (const auto& fe : error.errors)
      arr.push_back({{"field", fe.field}, {"message", fe.message}});
    doc["errors"] = std::move(arr);
  }
  Response res;
  res.status = info.status;
  res.content_type = "application/problem+json";
  res.body = boost::json::serialize(doc);
  if (!error.extra_json.empty() && info.status != 500 && res.body.size() >= 2) {
    res.body.pop_back();
    res.body += "," + error.extra_json + "}";
  }
  if (info.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (error.retry_after_s > 0)
    res.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
  return res;
}

Response Response::json(int status, std::string body) {
  Response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

Response Response::streamed_json(int status, BodyStream stream) {
  Response res;
  res.status = status;
  res.stream = std::move(stream);
  return res;
}

Response Response::no_content() {
  Response res;
  res.status = 204;
  res.content_type.clear();
  return res;
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return std::string_view(v);
  return std::nullopt;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

Response fail(const Request& req, const Error& error) {
  return Response::problem(error, req.request_id);
}

Error invalid_id() {
  return make_error("INVALID_ID", "The id is not a UUID.");
}

}  // namespace gd::http
