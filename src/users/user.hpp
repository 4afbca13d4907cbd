// The user as the users module stores it, and its JSON forms (own profile, public profile).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/geo.hpp"

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
  std::vector<std::string> roles;
  bool is_active = true;
  std::int64_t tasks_completed = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> deleted_at_ms;

  bool has_role(std::string_view role) const;
};

boost::json::object own_profile_json(const User& u);
boost::json::object public_profile_json(const User& u);
// What an admin sees: the own profile plus isActive, tasksCompleted and updatedAt.
boost::json::object admin_view_json(const User& u);
boost::json::value point_json(const std::optional<GeoPoint>& p);

}  // namespace gd::users
