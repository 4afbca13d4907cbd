// Bearer-token checks against sessions, on both back ends: the session cache is keyed by the
// session and its user together (a token that pairs a victim's sub with the attacker's live
// sid was accepted while that sid was cached), and routes that need a role take the roles of
// the account as it is now, not the token's.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_service.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "auth/session_store.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db_fixture.hpp"
#include "users/user_store.hpp"

namespace {

using gd::Result;
using gd::Role;
using gd::Roles;
using gd::Task;
using gd::http::Principal;

template <class T>
Task<std::optional<T>> wrap(Task<T> task) {
  co_return co_await std::move(task);
}

const std::vector<gd::auth::SigningKey> kKeys = {{"test", std::string(32, 'k')}};

class AuthSessionCache : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      if (!gd::testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
      pg_ = std::make_unique<gd::testing::TempPostgres>();
      db_ = pg_->open();
      ioc_ = &pg_->ioc;
    } else {
      sqlite_ = std::make_unique<gd::testing::TempSqlite>();
      db_ = std::move(sqlite_->db);
      ioc_ = &sqlite_->ioc;
    }
    users_ = std::make_unique<gd::users::UserStore>(*db_);
    sessions_ = std::make_unique<gd::auth::SessionStore>(*db_);
    hasher_ = std::make_unique<gd::auth::PasswordHasher>(gd::auth::HashOptions{});
    gd::auth::AuthOptions options;
    options.session_cache_ms = 60'000;  // everything below happens well within the cache time
    service_ =
        std::make_unique<gd::auth::AuthService>(*users_, *sessions_, *hasher_, signer_, options);
  }
  void TearDown() override {
    service_.reset();
    hasher_.reset();
    sessions_.reset();
    users_.reset();
    db_.reset();
  }

  template <class T>
  T run(Task<T> task) {
    return std::move(*gd::testing::run(*ioc_, wrap(std::move(task))));
  }
  void run(Task<void> task) { gd::testing::run(*ioc_, std::move(task)); }

  std::string user(Roles roles = {Role::kUser}) {
    const auto id = gd::uuid_v7();
    auto created =
        run(users_->create({id + "@example.test", "no-password", "U", std::move(roles)}));
    EXPECT_TRUE(created);
    return created->id;
  }
  std::string session(const std::string& user_id) {
    gd::auth::Session s;
    s.id = gd::uuid_v7();
    s.user_id = user_id;
    s.created_at_ms = s.last_used_at_ms = gd::now_ms();
    s.expires_at_ms = gd::now_ms() + 3'600'000;
    run(sessions_->create(s, gd::auth::token_hash(gd::auth::new_refresh_token())));
    return s.id;
  }
  // A token signed with the server's key, for any sub and sid: what a forger with a leaked
  // key, or this test, can make.
  std::string token(const std::string& sub, const std::string& sid, Roles roles = {Role::kUser}) {
    const auto now_s = gd::now_ms() / 1000;
    return signer_.sign({sub, sid, std::move(roles), now_s, now_s + 900});
  }
  Result<Principal> authenticate(const std::string& bearer, bool current_roles = false) {
    return run(service_->authenticate(bearer, current_roles));
  }

  gd::auth::TokenSigner signer_{kKeys, "gooddeeds", "gooddeeds-api"};
  std::unique_ptr<gd::testing::TempSqlite> sqlite_;
  std::unique_ptr<gd::testing::TempPostgres> pg_;
  boost::asio::io_context* ioc_ = nullptr;
  std::unique_ptr<gd::db::Database> db_;
  std::unique_ptr<gd::users::UserStore> users_;
  std::unique_ptr<gd::auth::SessionStore> sessions_;
  std::unique_ptr<gd::auth::PasswordHasher> hasher_;
  std::unique_ptr<gd::auth::AuthService> service_;
};

TEST_P(AuthSessionCache, AVictimsSubWithTheAttackersCachedSidIsRefused) {
  const auto attacker = user();
  const auto victim = user();
  const auto attacker_sid = session(attacker);
  session(victim);
  ASSERT_TRUE(authenticate(token(attacker, attacker_sid)));  // now cached
  const auto forged = authenticate(token(victim, attacker_sid));
  ASSERT_FALSE(forged) << "accepted as " << forged->user_id;
  EXPECT_EQ(forged.error().code, gd::ErrorCode::kTokenInvalid);
  EXPECT_TRUE(authenticate(token(attacker, attacker_sid))) << "the real pair stays valid";
}

TEST_P(AuthSessionCache, ADemotedAdminLosesAdminRoutesAtOnce) {
  const auto admin = user({Role::kUser, Role::kAdmin});
  const auto sid = session(admin);
  const auto bearer = token(admin, sid, {Role::kUser, Role::kAdmin});
  auto before = authenticate(bearer, true);
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->has_role(Role::kAdmin));
  ASSERT_TRUE(authenticate(bearer));  // cached for ordinary routes
  run(users_->set_roles(admin, {Role::kUser}));
  auto after = authenticate(bearer, true);
  ASSERT_TRUE(after) << "still signed in";
  EXPECT_FALSE(after->has_role(Role::kAdmin)) << "roles come from the account, not the token";
}

TEST_P(AuthSessionCache, ATokenCannotClaimARoleTheAccountLacks) {
  const auto someone = user();
  const auto sid = session(someone);
  auto p = authenticate(token(someone, sid, {Role::kUser, Role::kAdmin}), true);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->has_role(Role::kAdmin));
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthSessionCache, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
