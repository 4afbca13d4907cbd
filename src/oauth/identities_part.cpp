// The identities part of a data export, and its erasure.
#include "oauth/identities_part.hpp"

#include <boost/json/array.hpp>

#include "core/clock.hpp"

namespace gd::oauth {

Task<void> IdentitiesPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array arr;
  for (const auto& i : co_await store_.list(std::move(user_id))) {
    arr.push_back({{"provider", i.provider},
                   {"subject", i.subject},
                   {"email", i.email ? boost::json::value(*i.email) : boost::json::value(nullptr)},
                   {"createdAt", iso8601_ms(i.created_at_ms)}});
  }
  doc["identities"] = std::move(arr);
}

Task<void> IdentitiesPart::erase(std::string user_id) {
  co_await store_.remove_all(std::move(user_id));
}

}  // namespace gd::oauth
