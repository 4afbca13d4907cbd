// A user's sessions in their data export; all of them ended when the account is erased.
#pragma once
#include "auth/auth_service.hpp"
#include "auth/session_store.hpp"
#include "users/account_part.hpp"

namespace gd::auth {

class SessionsPart final : public users::AccountPart {
 public:
  SessionsPart(SessionStore& store, AuthService& service) : store_(store), service_(service) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string user_id) override {
    co_await service_.end_all_sessions(std::move(user_id), "account_deleted");
  }

 private:
  SessionStore& store_;
  AuthService& service_;
};

}  // namespace gd::auth
