// JSON forms of a user.
#include "users/user.hpp"

#include "core/clock.hpp"
#include "core/text.hpp"

namespace gd::users {

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
  for (auto r : u.roles.names()) roles.emplace_back(r);
  boost::json::array identities;
  for (const auto& p : u.identities) identities.emplace_back(p);
  return {{"id", u.id},
          {"email", opt_json(u.email)},
          {"name", u.name},
          {"bio", opt_json(u.bio)},
          {"avatarUrl", opt_json(u.avatar_url)},
          {"location", point_json(u.location)},
          {"pointsBalance", u.points_balance},
          {"createdAt", iso8601_ms(u.created_at_ms)},
          {"roles", std::move(roles)},
          {"emailVerified", u.email_verified},
          {"locale", u.locale},
          {"identities", std::move(identities)}};
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

bool is_locale(std::string_view s) {
  for (auto l : kLocales)
    if (l == s) return true;
  return false;
}

namespace {

// A q-value in thousandths (RFC 9110 12.4.2: 0, 1, or 0.xxx); -1 when malformed.
int q_thousandths(std::string_view q) {
  if (q.empty() || q.size() > 5 || (q[0] != '0' && q[0] != '1')) return -1;
  if (q.size() > 1 && q[1] != '.') return -1;
  int value = (q[0] - '0') * 1000, scale = 100;
  for (std::size_t i = 2; i < q.size(); ++i, scale /= 10) {
    if (q[i] < '0' || q[i] > '9') return -1;
    value += (q[i] - '0') * scale;
  }
  return value > 1000 ? -1 : value;
}

}  // namespace

std::string locale_from_accept_language(std::string_view header) {
  std::string best = std::string(kLocales[0]);
  int best_q = 0;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto item = trim_ows(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    int q = 1000;
    if (const auto semi = item.find(';'); semi != std::string_view::npos) {
      auto param = trim_ows(item.substr(semi + 1));
      item = trim_ows(item.substr(0, semi));
      if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
      q = q_thousandths(param.substr(2));
    }
    // The primary subtag names the language: de-AT and de-DE are German.
    auto lang = item.substr(0, item.find('-'));
    std::string lower;
    for (char c : lang) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (q > best_q && is_locale(lower)) {
      best = lower;
      best_q = q;
    }
  }
  return best;
}

}  // namespace gd::users
