// The three push adapters: Web Push (RFC 8030, encrypted per RFC 8291, VAPID per RFC 8292),
// FCM HTTP v1 (OAuth 2 token from a service account, cached until it expires) and APNs
// (HTTP/2, ES256 provider token refreshed every 40 minutes).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "net/http_client.hpp"
#include "push/jose.hpp"
#include "push/sender.hpp"

namespace gd::push {

using net::HttpClient;
using net::HttpClientOptions;
using net::HttpRequest;
using net::HttpResponse;

// Maps an answer every platform shares: 2xx delivered, 429 and 5xx and no answer retry,
// 404/410 gone, other 4xx failed. Adapters refine it with their platform's reasons.
SendResult classify(const HttpResponse& res);

struct WebPushOptions {
  std::string subject;  // mailto: or https: contact for the push service (RFC 8292 §2.1)
  int ttl_s = 86'400;   // how long the push service may hold a message for an offline device
};

class WebPushSender final : public PushSender {
 public:
  WebPushSender(HttpClient& http, JwtSigner vapid, WebPushOptions options);
  Task<SendResult> send(Device device, PushMessage message) override;
  // The VAPID public key as the browser's applicationServerKey wants it: base64url point.
  std::string public_key() const { return b64url(vapid_.public_point()); }
  // The Authorization header value for an endpoint's origin (vapid t=..., k=...).
  std::string authorization(const std::string& origin, std::int64_t now_s) const;

 private:
  HttpClient& http_;
  JwtSigner vapid_;
  WebPushOptions options_;
};

struct ServiceAccount {
  std::string client_email;
  std::string token_uri;
  std::string project_id;
  std::string private_key_pem;
};
// Parses a service-account JSON file's text; throws std::invalid_argument when a field is
// missing.
ServiceAccount parse_service_account(std::string_view json);

class FcmSender final : public PushSender {
 public:
  FcmSender(HttpClient& http, ServiceAccount account, std::string endpoint);
  Task<SendResult> send(Device device, PushMessage message) override;

 private:
  // A cached access token, or a fresh one from token_uri; "" when that failed (`why`).
  Task<std::string> access_token(std::string* why);
  void forget_token(const std::string& token);
  HttpClient& http_;
  ServiceAccount account_;
  JwtSigner signer_;
  std::string endpoint_;
  std::mutex mu_;
  std::string token_;
  std::int64_t token_expires_ms_ = 0;
};

struct ApnsOptions {
  std::string key_id;
  std::string team_id;
  std::string topic;  // the app's bundle id
  std::string endpoint = "https://api.push.apple.com";
};

class ApnsSender final : public PushSender {
 public:
  ApnsSender(HttpClient& http, JwtSigner key, ApnsOptions options);
  Task<SendResult> send(Device device, PushMessage message) override;

 private:
  std::string provider_token(bool renew);
  HttpClient& http_;
  JwtSigner key_;
  ApnsOptions options_;
  std::mutex mu_;
  std::string token_;
  std::int64_t token_issued_ms_ = 0;
};

}  // namespace gd::push
