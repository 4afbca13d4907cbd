// Device registration rules and the enqueue seam.
#include "push/push_service.hpp"
#include "push/queue.hpp"

#include <algorithm>
#include <cctype>

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/offload.hpp"
#include "net/address.hpp"
#include "push/jose.hpp"

namespace gd::push {
namespace {

bool token_chars(std::string_view s, bool hex_only) {
  return std::all_of(s.begin(), s.end(), [hex_only](unsigned char c) {
    if (hex_only) return std::isxdigit(c) != 0;
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == ':' || c == '.';
  });
}

// The device's fields are well-formed for its platform; the endpoint's reachability is
// checked after.
Status check_shape(const DeviceInput& in) {
  if (in.platform == Platform::kWebPush) {
    std::string point;
    std::string auth;
    if (!b64url_decode(in.p256dh, point) || point.size() != 65 || point[0] != 0x04 ||
        !p256_public_key(point))
      return validation_error("subscription.keys.p256dh",
                              "must be an uncompressed P-256 public key, base64url");
    if (!b64url_decode(in.auth, auth) || auth.size() != 16)
      return validation_error("subscription.keys.auth", "must be 16 bytes, base64url");
    return Ok{};
  }
  if (in.platform == Platform::kApns) {
    if (in.token.size() < 32 || in.token.size() > 200 || !token_chars(in.token, true))
      return validation_error("token", "must be an APNs device token (hex)");
    return Ok{};
  }
  if (in.token.empty() || in.token.size() > 4096 || !token_chars(in.token, false))
    return validation_error("token", "must be an FCM registration token");
  return Ok{};
}

}  // namespace

PushService::PushService(db::Database& db, PushServiceOptions options)
    : store_(db), options_(options) {}

PushService::~PushService() {
  resolver_.join();
}

bool PushService::configured(Platform p) const {
  switch (p) {
    case Platform::kWebPush:
      return options_.webpush;
    case Platform::kFcm:
      return options_.fcm;
    case Platform::kApns:
      return options_.apns;
  }
  return false;
}

Task<std::string> PushService::check_endpoint(std::string url) {
  const auto parts = net::parse_url(url);
  if (!parts || parts->host.empty()) co_return "must be a URL";
  if (parts->scheme != "https") co_return "must be an https URL";
  if (options_.allow_private_endpoints) co_return "";
  auto resolve = [host = parts->host, port = parts->port] {
    return net::check_host_public(host, port);
  };
  co_return co_await offload(resolver_.get_executor(), std::move(resolve));
}

Task<Result<std::pair<Device, bool>>> PushService::register_device(std::string user_id,
                                                                   std::string session_id,
                                                                   DeviceInput in) {
  if (!configured(in.platform))
    co_return make_error(ErrorCode::kPlatformNotConfigured,
                         "Push to " + std::string(platform_name(in.platform)) +
                             " is not configured on this server.");
  if (auto st = check_shape(in); !st) co_return st.error();
  if (in.platform == Platform::kWebPush) {
    if (auto why = co_await check_endpoint(in.endpoint); !why.empty())
      co_return validation_error("subscription.endpoint", why);
  }
  Device d;
  d.user_id = std::move(user_id);
  d.session_id = std::move(session_id);
  d.platform = in.platform;
  d.address = in.platform == Platform::kWebPush ? in.endpoint : in.token;
  d.p256dh = in.p256dh;
  d.auth = in.auth;
  // Two registrations of one new token at once: the loser of the insert finds the winner's
  // row on a second try.
  bool raced = false;
  try {
    co_return co_await store_.upsert(d);
  } catch (const db::DbError& e) {
    if (!e.unique_violation()) throw;
    raced = true;
  }
  GD_CHECK(raced);
  co_return co_await store_.upsert(std::move(d));
}

Task<std::size_t> enqueue_in(db::Tx& tx, std::string user_id, PushMessage message) {
  co_return co_await DeviceStore::enqueue_in(tx, std::move(user_id), to_json(message), now_ms());
}

}  // namespace gd::push
