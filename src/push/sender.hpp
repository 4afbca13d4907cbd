// What a push adapter is: send one message to one device, and say what happened. The three
// adapters (Web Push, FCM, APNs) implement PushSender; the delivery worker only sees this.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/async.hpp"

namespace gd::push {

enum class Platform { kWebPush, kFcm, kApns };
std::string_view platform_name(Platform p);
std::optional<Platform> parse_platform(std::string_view name);

struct Device {
  std::string id;
  std::string user_id;
  std::string session_id;
  Platform platform = Platform::kWebPush;
  std::string address;  // FCM/APNs token, or the Web Push endpoint
  std::string p256dh;   // Web Push: the subscription's keys (base64url)
  std::string auth;
  std::int64_t created_at_ms = 0;
};

// What a device is told. Never a location or an email (docs/notifications.md).
struct PushMessage {
  std::string type;  // e.g. task_completed
  std::string title;
  std::string body;
  boost::json::object data;  // small: ids, points
};
std::string to_json(const PushMessage& m);
PushMessage message_from_json(std::string_view json);

struct SendResult {
  enum class Kind { kDelivered, kRetry, kGone, kFailed };
  Kind kind = Kind::kFailed;
  std::optional<int> retry_after_s;  // the service's Retry-After, when it gave one
  std::string detail;                // for logs and last_error: status and reason
  static SendResult delivered() { return {Kind::kDelivered, std::nullopt, ""}; }
  static SendResult retry(std::string why, std::optional<int> after_s = std::nullopt) {
    return {Kind::kRetry, after_s, std::move(why)};
  }
  static SendResult gone(std::string why) { return {Kind::kGone, std::nullopt, std::move(why)}; }
  static SendResult failed(std::string why) {
    return {Kind::kFailed, std::nullopt, std::move(why)};
  }
};
std::string_view outcome_name(SendResult::Kind k);

class PushSender {
 public:
  virtual ~PushSender() = default;
  // delivered; retry (5xx, 429, timeouts; after Retry-After if given); gone (the service says
  // the device is no more: 404/410 and the platform's equivalents); failed (a permanent
  // rejection of this message: it is dropped, the device kept).
  virtual Task<SendResult> send(Device device, PushMessage message) = 0;
};

}  // namespace gd::push
