// Push to devices: registering a user's devices (with the SSRF rule for Web Push endpoints)
// and queueing messages for them. The seam for the notifications feed is enqueue_in
// (push/queue.hpp): it
// writes one delivery row per device of the user in the caller's transaction, and the
// DeliveryWorker sends them.
#pragma once
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/result.hpp"
#include "push/device_store.hpp"
#include "push/sender.hpp"
#include "store/db.hpp"

namespace gd::push {

struct DeviceInput {
  Platform platform = Platform::kWebPush;
  std::string token;     // fcm, apns
  std::string endpoint;  // webpush
  std::string p256dh;
  std::string auth;
};

struct PushServiceOptions {
  bool webpush = false;  // which platforms are configured
  bool fcm = false;
  bool apns = false;
  bool allow_private_endpoints = false;  // tests: Web Push endpoints may be private addresses
};

class PushService {
 public:
  PushService(db::Database& db, PushServiceOptions options);
  ~PushService();

  bool configured(Platform p) const;
  // 400 PLATFORM_NOT_CONFIGURED or VALIDATION_FAILED; the device and whether it is new.
  Task<Result<std::pair<Device, bool>>> register_device(std::string user_id, std::string session_id,
                                                        DeviceInput in);
  Task<std::vector<Device>> list(std::string user_id) { return store_.list(std::move(user_id)); }
  Task<bool> remove(std::string user_id, std::string device_id) {
    return store_.remove(std::move(user_id), std::move(device_id));
  }
  Task<void> remove_all(std::string user_id) { return store_.remove_all(std::move(user_id)); }

  DeviceStore& store() { return store_; }

 private:
  // "" when `url` is an https URL whose host resolves to public addresses only.
  Task<std::string> check_endpoint(std::string url);
  DeviceStore store_;
  PushServiceOptions options_;
  boost::asio::thread_pool resolver_{1};  // getaddrinfo blocks
};

}  // namespace gd::push
