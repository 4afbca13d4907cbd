// The hook through which other modules take part in a user's data export and erasure.
#pragma once
#include <string>

#include <boost/json/object.hpp>

#include "core/async.hpp"

namespace gd::users {

// What another module adds to a user's data export and does when the account is erased
// (auth ends the sessions; later modules add tasks, ledger rows, ...).
class AccountPart {
 public:
  virtual ~AccountPart() = default;
  virtual Task<void> export_into(std::string user_id, boost::json::object& doc) = 0;
  virtual Task<void> erase(std::string user_id) = 0;
};

}  // namespace gd::users
