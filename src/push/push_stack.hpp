// The push module assembled from its configuration: the libcurl client, the adapters of the
// configured platforms, the service and the delivery worker. app.cpp owns one.
#pragma once
#include <memory>
#include <string>

#include "core/metrics.hpp"
#include "net/http_client.hpp"
#include "push/adapters.hpp"
#include "push/delivery_worker.hpp"
#include "push/push_service.hpp"
#include "store/db.hpp"

namespace gd::push {

using net::HttpClient;
using net::HttpClientOptions;
using net::HttpRequest;
using net::HttpResponse;

struct PushConfig {
  std::string webpush_vapid_key_file;  // PEM, EC P-256 private key
  std::string webpush_subject = "mailto:push@gooddeeds.invalid";
  int webpush_ttl_s = 86'400;
  std::string fcm_service_account_file;
  std::string fcm_endpoint = "https://fcm.googleapis.com";
  std::string apns_key_file;  // .p8 (PEM, EC P-256)
  std::string apns_key_id;
  std::string apns_team_id;
  std::string apns_topic;
  std::string apns_endpoint = "https://api.push.apple.com";
  bool allow_private_endpoints = false;
  HttpClientOptions http;
  DeliveryOptions delivery;
};

class PushStack {
 public:
  // Reads the key files; throws std::invalid_argument on a bad configuration.
  PushStack(db::Database& db, const PushConfig& config, Metrics& metrics);
  PushService& service() { return *service_; }
  DeliveryWorker& worker() { return *worker_; }
  // base64url VAPID public key, "" when Web Push is not configured.
  std::string vapid_public_key() const { return webpush_ ? webpush_->public_key() : ""; }

 private:
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<WebPushSender> webpush_;
  std::unique_ptr<FcmSender> fcm_;
  std::unique_ptr<ApnsSender> apns_;
  std::unique_ptr<PushService> service_;
  std::unique_ptr<DeliveryWorker> worker_;
};

}  // namespace gd::push
