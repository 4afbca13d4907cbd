// The Web Push, FCM and APNs adapters.
#include "push/adapters.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <stdexcept>

#include "core/clock.hpp"
#include "net/address.hpp"
#include "push/webpush_crypto.hpp"

namespace gd::push {
namespace {

constexpr std::int64_t kFcmTokenMarginMs = 60'000;     // renew a minute before expiry
constexpr std::int64_t kApnsTokenAgeMs = 40 * 60'000;  // Apple: renew after 20 to 60 min

std::optional<int> retry_after(const HttpResponse& res) {
  const std::string v = res.header("retry-after");
  int s = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
  if (ec != std::errc() || end != v.data() + v.size() || s < 0) return std::nullopt;
  return std::min(s, 86'400);
}

std::string describe(const HttpResponse& res) {
  if (res.status == 0) return "no response: " + res.error;
  std::string d = "HTTP " + std::to_string(res.status);
  if (!res.body.empty()) d += ": " + res.body.substr(0, 200);
  return d;
}

std::string origin_of(const std::string& url) {
  auto parts = net::parse_url(url);
  if (!parts) return "";
  std::string host =
      parts->host.find(':') != std::string::npos ? "[" + parts->host + "]" : parts->host;
  std::string origin = parts->scheme + "://" + host;
  if (!parts->port.empty()) origin += ":" + parts->port;
  return origin;
}

// FCM's data map holds strings only.
boost::json::object string_map(const PushMessage& m) {
  boost::json::object out;
  out["type"] = m.type;
  for (const auto& [k, v] : m.data)
    out[k] = v.is_string() ? boost::json::value(v.as_string())
                           : boost::json::value(boost::json::serialize(v));
  return out;
}

}  // namespace

SendResult classify(const HttpResponse& res) {
  if (res.status == 0) return SendResult::retry(describe(res));
  if (res.status >= 200 && res.status < 300) return SendResult::delivered();
  if (res.status == 404 || res.status == 410) return SendResult::gone(describe(res));
  if (res.status == 429 || res.status >= 500)
    return SendResult::retry(describe(res), retry_after(res));
  return SendResult::failed(describe(res));
}

// --- Web Push --------------------------------------------------------------------------------

WebPushSender::WebPushSender(HttpClient& http, JwtSigner vapid, WebPushOptions options)
    : http_(http), vapid_(std::move(vapid)), options_(std::move(options)) {
  if (vapid_.alg() != "ES256") throw std::invalid_argument("the VAPID key must be a P-256 key");
}

std::string WebPushSender::authorization(const std::string& origin, std::int64_t now_s) const {
  // RFC 8292 §2: aud is the push service's origin; exp at most 24 h ahead (12 h here).
  const boost::json::object claims{
      {"aud", origin}, {"exp", now_s + 12 * 3600}, {"sub", options_.subject}};
  return "vapid t=" + vapid_.sign({{"typ", "JWT"}}, claims) + ", k=" + public_key();
}

Task<SendResult> WebPushSender::send(Device device, PushMessage message) {
  std::string ua_public;
  std::string auth;
  if (!b64url_decode(device.p256dh, ua_public) || !b64url_decode(device.auth, auth))
    co_return SendResult::gone("the subscription's keys are not base64url");
  const std::string payload = to_json(message);
  if (payload.size() > kMaxWebPushPlaintext) co_return SendResult::failed("payload too large");
  HttpRequest req;
  req.url = device.address;
  req.public_only = true;
  try {
    req.body = encrypt_aes128gcm(payload, ua_public, auth);
  } catch (const std::invalid_argument& e) {
    co_return SendResult::gone(e.what());
  }
  req.headers = {"Content-Type: application/octet-stream", "Content-Encoding: aes128gcm",
                 "TTL: " + std::to_string(options_.ttl_s), "Urgency: normal",
                 "Authorization: " + authorization(origin_of(device.address), now_ms() / 1000)};
  const HttpResponse res = co_await http_.send(std::move(req));
  if (res.refused_address && res.status == 0)
    co_return SendResult::gone("the endpoint now resolves to a non-public address");
  co_return classify(res);
}

// --- FCM -------------------------------------------------------------------------------------

ServiceAccount parse_service_account(std::string_view json) {
  boost::json::value v;
  try {
    v = boost::json::parse(json);
  } catch (const std::exception&) {
    throw std::invalid_argument("the FCM service account file is not JSON");
  }
  const auto* o = v.if_object();
  const auto field = [o](std::string_view name) {
    const auto* f = o ? o->if_contains(name) : nullptr;
    if (!f || !f->is_string() || f->as_string().empty())
      throw std::invalid_argument("the FCM service account file lacks " + std::string(name));
    return std::string(f->as_string());
  };
  return {field("client_email"), field("token_uri"), field("project_id"), field("private_key")};
}

FcmSender::FcmSender(HttpClient& http, ServiceAccount account, std::string endpoint)
    : http_(http),
      account_(std::move(account)),
      signer_(JwtSigner::from_pem(account_.private_key_pem)),
      endpoint_(std::move(endpoint)) {
  if (signer_.alg() != "RS256") throw std::invalid_argument("the FCM key must be an RSA key");
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

void FcmSender::forget_token(const std::string& token) {
  std::lock_guard lock(mu_);
  if (token_ == token) token_.clear();
}

Task<std::string> FcmSender::access_token(std::string* why) {
  const std::int64_t now = now_ms();
  {
    std::lock_guard lock(mu_);
    if (!token_.empty() && now < token_expires_ms_ - kFcmTokenMarginMs) co_return token_;
  }
  // RFC 7523 §2.1: a JWT bearer assertion signed with the service account's key.
  const std::int64_t iat = now / 1000;
  const boost::json::object claims{{"iss", account_.client_email},
                                   {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
                                   {"aud", account_.token_uri},
                                   {"iat", iat},
                                   {"exp", iat + 3600}};
  HttpRequest req;
  req.url = account_.token_uri;
  req.headers = {"Content-Type: application/x-www-form-urlencoded"};
  req.body = "grant_type=" + net::form_escape("urn:ietf:params:oauth:grant-type:jwt-bearer") +
             "&assertion=" + net::form_escape(signer_.sign({{"typ", "JWT"}}, claims));
  const HttpResponse res = co_await http_.send(std::move(req));
  if (res.status != 200) {
    *why = "token endpoint: " + describe(res);
    co_return "";
  }
  boost::system::error_code ec;
  const auto v = boost::json::parse(res.body, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* token = o ? o->if_contains("access_token") : nullptr;
  const auto* expires = o ? o->if_contains("expires_in") : nullptr;
  if (!token || !token->is_string() || !expires || !expires->is_int64()) {
    *why = "token endpoint: no access_token/expires_in";
    co_return "";
  }
  std::lock_guard lock(mu_);
  token_ = std::string(token->as_string());
  token_expires_ms_ = now + expires->as_int64() * 1000;
  co_return token_;
}

Task<SendResult> FcmSender::send(Device device, PushMessage message) {
  std::string why;
  const std::string token = co_await access_token(&why);
  if (token.empty()) co_return SendResult::retry(why);
  boost::json::object msg{{"token", device.address},
                          {"notification", {{"title", message.title}, {"body", message.body}}},
                          {"data", string_map(message)}};
  HttpRequest req;
  req.url = endpoint_ + "/v1/projects/" + account_.project_id + "/messages:send";
  req.headers = {"Content-Type: application/json", "Authorization: Bearer " + token};
  req.body = boost::json::serialize(boost::json::object{{"message", std::move(msg)}});
  const HttpResponse res = co_await http_.send(std::move(req));
  if (res.status == 401) {
    forget_token(token);
    co_return SendResult::retry("FCM refused the access token");
  }
  // FCM says a token is no longer valid with 404 NOT_FOUND or UNREGISTERED.
  if (res.body.find("UNREGISTERED") != std::string::npos) co_return SendResult::gone(describe(res));
  co_return classify(res);
}

// --- APNs ------------------------------------------------------------------------------------

ApnsSender::ApnsSender(HttpClient& http, JwtSigner key, ApnsOptions options)
    : http_(http), key_(std::move(key)), options_(std::move(options)) {
  if (key_.alg() != "ES256") throw std::invalid_argument("the APNs key must be a P-256 key");
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
}

std::string ApnsSender::provider_token(bool renew) {
  const std::int64_t now = now_ms();
  std::lock_guard lock(mu_);
  if (renew || token_.empty() || now - token_issued_ms_ >= kApnsTokenAgeMs) {
    token_ = key_.sign({{"kid", options_.key_id}},
                       boost::json::object{{"iss", options_.team_id}, {"iat", now / 1000}});
    token_issued_ms_ = now;
  }
  return token_;
}

Task<SendResult> ApnsSender::send(Device device, PushMessage message) {
  boost::json::object body{{"aps", {{"alert", {{"title", message.title}, {"body", message.body}}}}},
                           {"type", message.type},
                           {"data", message.data}};
  HttpRequest req;
  req.url = options_.endpoint + "/3/device/" + device.address;
  req.headers = {"Content-Type: application/json", "authorization: bearer " + provider_token(false),
                 "apns-topic: " + options_.topic, "apns-push-type: alert", "apns-priority: 10"};
  req.body = boost::json::serialize(body);
  const HttpResponse res = co_await http_.send(std::move(req));
  // Apple's reasons: 410 Unregistered, 400 BadDeviceToken (gone); 403 ExpiredProviderToken
  // (renew the token and try again).
  if (res.status == 400 && res.body.find("BadDeviceToken") != std::string::npos)
    co_return SendResult::gone(describe(res));
  if (res.status == 403 && res.body.find("ExpiredProviderToken") != std::string::npos) {
    provider_token(true);
    co_return SendResult::retry(describe(res));
  }
  co_return classify(res);
}

}  // namespace gd::push
