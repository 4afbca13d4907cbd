// The sessions part of a data export.
#include "auth/sessions_part.hpp"

#include <boost/json/array.hpp>

#include "core/clock.hpp"

namespace gd::auth {

Task<void> SessionsPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array arr;
  for (const auto& s : co_await store_.list(std::move(user_id))) {
    arr.push_back({{"id", s.id},
                   {"device", s.device},
                   {"createdAt", iso8601_ms(s.created_at_ms)},
                   {"lastUsedAt", iso8601_ms(s.last_used_at_ms)},
                   {"expiresAt", iso8601_ms(s.expires_at_ms)},
                   {"revokedAt", s.revoked_at_ms ? boost::json::value(iso8601_ms(*s.revoked_at_ms))
                                                 : boost::json::value(nullptr)}});
  }
  doc["sessions"] = std::move(arr);
}

}  // namespace gd::auth
