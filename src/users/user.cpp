// JSON forms of a user.
#include "users/user.hpp"

#include "core/clock.hpp"

namespace gd::users {

bool User::has_role(std::string_view role) const {
  for (const auto& r : roles)
    if (r == role) return true;
  return false;
}

boost::json::value point_json(const std::optional<GeoPoint>& p) {
  if (!p) return nullptr;
  return boost::json::object{{"lat", p->lat}, {"lng", p->lng}};
}

namespace {
boost::json::value opt_json(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return boost::json::string(*s);
}
}  // namespace

boost::json::object own_profile_json(const User& u) {
  boost::json::array roles;
  for (const auto& r : u.roles) roles.emplace_back(r);
  return {{"id", u.id},
          {"email", opt_json(u.email)},
          {"name", u.name},
          {"bio", opt_json(u.bio)},
          {"avatarUrl", opt_json(u.avatar_url)},
          {"location", point_json(u.location)},
          {"pointsBalance", u.points_balance},
          {"createdAt", iso8601_ms(u.created_at_ms)},
          {"roles", std::move(roles)}};
}

boost::json::object public_profile_json(const User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"bio", opt_json(u.bio)},
          {"avatarUrl", opt_json(u.avatar_url)},
          {"tasksCompleted", u.tasks_completed},
          {"memberSince", iso8601_ms(u.created_at_ms)}};
}

boost::json::object admin_view_json(const User& u) {
  auto o = own_profile_json(u);
  o["isActive"] = u.is_active;
  o["tasksCompleted"] = u.tasks_completed;
  o["updatedAt"] = iso8601_ms(u.updated_at_ms);
  return o;
}

}  // namespace gd::users
