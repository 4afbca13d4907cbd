// Partners, their offers and API keys, and redemptions (a discount code bought with points),
// with their JSON forms.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace gd::partners {

struct Partner {
  std::string id;
  std::string name;
  std::optional<std::string> logo_url;
  std::string description;
  bool is_active = true;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

struct Offer {
  std::string id;
  std::string partner_id;
  std::string title;
  std::string description;
  std::int64_t points_cost = 0;
  std::int64_t valid_days = 0;
  bool is_active = true;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

// An issued key without its secret.
struct ApiKeyInfo {
  std::string id;
  std::string partner_id;
  std::string prefix;
  std::string created_by;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
};

// A discount code's state: stored as active, used or refunded; an active code is shown as
// expired from its expiry on (that one is never stored).
enum class CodeStatus { kActive, kUsed, kRefunded, kExpired };
std::string_view code_status_name(CodeStatus s);
// The stored form back; a name outside the stored three is an invariant broken (GD_CHECK).
CodeStatus stored_code_status(std::string_view stored);

struct Redemption {
  std::string id;
  std::string user_id;
  std::string partner_id;
  std::string offer_id;
  std::int64_t points_spent = 0;
  std::string code;                         // stored form, without separators
  CodeStatus status = CodeStatus::kActive;  // as stored: never kExpired
  std::int64_t expires_at_ms = 0;
  std::optional<std::int64_t> used_at_ms;
  std::int64_t created_at_ms = 0;  // when it was redeemed
  std::int64_t updated_at_ms = 0;

  // The status as shown at `now_ms`: an active code is expired from expires_at on.
  CodeStatus status_at(std::int64_t now_ms) const;
};

// A partner with its offers, and for admins its API keys.
struct PartnerDetail {
  Partner partner;
  std::vector<Offer> offers;
  std::vector<ApiKeyInfo> keys;
};

boost::json::object partner_json(const Partner& p);
// The partner's fields plus "offers" (and "apiKeys" when with_keys).
boost::json::object partner_detail_json(const PartnerDetail& d, bool with_keys);
boost::json::object offer_json(const Offer& o);
boost::json::object api_key_json(const ApiKeyInfo& k);
boost::json::object redemption_json(const Redemption& r, std::int64_t now_ms);

}  // namespace gd::partners
