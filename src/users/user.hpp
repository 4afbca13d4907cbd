// The user as the users module stores it, and its JSON forms (own profile, public profile).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/geo.hpp"
#include "core/role.hpp"

namespace gd::users {

struct User {
  std::string id;
  std::optional<std::string> email;
  std::optional<std::string> password_hash;
  std::string name;
  std::optional<std::string> bio;
  std::optional<std::string> avatar_url;
  std::optional<GeoPoint> location;
  std::int64_t points_balance = 0;
  Roles roles;
  bool is_active = true;
  std::int64_t tasks_completed = 0;
  std::string locale = "en";            // de | en: the language of notifications
  bool email_verified = false;          // users.email_verified_at is set
  std::vector<std::string> identities;  // linked sign-in providers: "google", "apple"
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> deleted_at_ms;

  bool has_role(Role role) const { return roles.has(role); }
};

boost::json::object own_profile_json(const User& u);
boost::json::object public_profile_json(const User& u);
// What an admin sees: the own profile plus isActive, tasksCompleted and updatedAt.
boost::json::object admin_view_json(const User& u);
boost::json::value point_json(const std::optional<GeoPoint>& p);

// The languages notifications are written in; the first is the default.
inline constexpr std::string_view kLocales[] = {"en", "de"};
bool is_locale(std::string_view s);
// The first supported language of an Accept-Language header by q-order (RFC 9110 12.5.4:
// "de-AT;q=0.8, en;q=0.9" → en; a tie keeps the header's order; q=0 refuses), else "en".
std::string locale_from_accept_language(std::string_view header);

}  // namespace gd::users
