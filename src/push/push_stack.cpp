// Assembly of the push module.
#include "push/push_stack.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gd::push {
namespace {

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(std::string("cannot read ") + what + " " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

PushStack::PushStack(db::Database& db, const PushConfig& c, Metrics& metrics) {
  HttpClientOptions http = c.http;
  http.allow_private = c.allow_private_endpoints;
  http_ = std::make_unique<HttpClient>(http);
  if (!c.webpush_vapid_key_file.empty()) {
    webpush_ = std::make_unique<WebPushSender>(
        *http_, JwtSigner::from_pem(read_file(c.webpush_vapid_key_file, "the VAPID key")),
        WebPushOptions{c.webpush_subject, c.webpush_ttl_s});
  }
  if (!c.fcm_service_account_file.empty()) {
    fcm_ = std::make_unique<FcmSender>(
        *http_,
        parse_service_account(read_file(c.fcm_service_account_file, "the FCM service account")),
        c.fcm_endpoint);
  }
  if (!c.apns_key_file.empty()) {
    if (c.apns_key_id.empty() || c.apns_team_id.empty() || c.apns_topic.empty())
      throw std::invalid_argument(
          "--apns-key-file needs --apns-key-id, --apns-team-id and --apns-topic");
    apns_ = std::make_unique<ApnsSender>(
        *http_, JwtSigner::from_pem(read_file(c.apns_key_file, "the APNs key")),
        ApnsOptions{c.apns_key_id, c.apns_team_id, c.apns_topic, c.apns_endpoint});
  }
  service_ = std::make_unique<PushService>(
      db, PushServiceOptions{webpush_ != nullptr, fcm_ != nullptr, apns_ != nullptr,
                             c.allow_private_endpoints});
  worker_ = std::make_unique<DeliveryWorker>(service_->store(), c.delivery, metrics);
  worker_->set_sender(Platform::kWebPush, webpush_.get());
  worker_->set_sender(Platform::kFcm, fcm_.get());
  worker_->set_sender(Platform::kApns, apns_.get());
  spdlog::info("push: webpush {}, fcm {}, apns {}", webpush_ ? "on" : "off", fcm_ ? "on" : "off",
               apns_ ? "on" : "off");
}

}  // namespace gd::push
