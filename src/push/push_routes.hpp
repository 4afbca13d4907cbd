// Routes of push to devices: /users/me/devices and /push/vapid-public-key.
#pragma once
#include <string>

#include "http/types.hpp"
#include "push/push_service.hpp"
#include "users/account_part.hpp"

namespace gd::push {

// `vapid_public_key`: base64url, "" when Web Push is not configured.
void add_routes(http::RouteTable& routes, PushService& service, std::string vapid_public_key);

// Devices in the data export (without tokens, endpoints or keys); all removed on erasure.
class DevicesPart final : public users::AccountPart {
 public:
  explicit DevicesPart(PushService& service) : service_(service) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string user_id) override {
    co_await service_.remove_all(std::move(user_id));
  }

 private:
  PushService& service_;
};

}  // namespace gd::push
