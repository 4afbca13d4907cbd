// The problem+json (RFC 9457) rendering of an Error (codes, statuses and titles come from the
// one table in core/error_code.hpp), and the small Request/Response helpers.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string_view>

#include "http/types.hpp"

namespace gd::http {

Response Response::problem(const Error& error, std::string_view request_id) {
  const ErrorCodeInfo& info = gd::info(error.code);
  boost::json::object doc;
  doc["type"] = "https://gooddeeds.dev/problems/" + std::string(info.name);
  doc["title"] = info.title;
  doc["status"] = info.status;
  doc["detail"] = info.status == 500 ? std::string("An unexpected error occurred.") : error.detail;
  doc["code"] = info.name;
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
  return make_error(ErrorCode::kInvalidId, "The id is not a UUID.");
}

}  // namespace gd::http
