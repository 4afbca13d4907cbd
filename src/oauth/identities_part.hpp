// A user's sign-in identities in their data export; removed when the account is erased.
#pragma once
#include "oauth/identity_store.hpp"
#include "users/account_part.hpp"

namespace gd::oauth {

class IdentitiesPart final : public users::AccountPart {
 public:
  explicit IdentitiesPart(IdentityStore& store) : store_(store) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string user_id) override;

 private:
  IdentityStore& store_;
};

}  // namespace gd::oauth
