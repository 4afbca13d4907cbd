// A redemption racing an offer's deactivation: while an admin's deactivation is uncommitted,
// a redemption of that offer waits for it and then sees the offer inactive — it never
// commits a debit for an offer that was already switched off (PostgreSQL: the offer row is
// share-locked; SQLite: one writing transaction at a time).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db_fixture.hpp"
#include "partners/partner_store.hpp"
#include "partners/redemption_service.hpp"
#include "users/user_store.hpp"

namespace gd {
namespace {

struct Ids {
  std::string user, offer;
};

Task<Ids> seed(db::Database& db) {
  users::UserStore users(db);
  auto u = co_await users.create(users::NewUser{
      "race-" + uuid_v4() + "@example.test", "not-a-hash", "Racer", {gd::Role::kUser}});
  partners::PartnerStore store(db);
  const auto now = now_ms();
  partners::Partner p{uuid_v4(), "Bakery", std::nullopt, "Bread", true, now, now};
  co_await store.insert_partner(p);
  partners::Offer o{uuid_v4(), p.id, "10% off", "Any loaf", 10, 30, true, now, now};
  co_await store.insert_offer(o);
  co_return Ids{u.value().id, o.id};
}

Task<std::string> redeem(db::Database& db, Ids ids) {
  partners::PartnerStore store(db);
  points::Ledger ledger(db);
  partners::RedemptionService svc(store, ledger);
  auto r = co_await svc.redeem(UserId(ids.user), OfferId(ids.offer));
  co_return r ? std::string("OK") : std::string(name(r.error().code));
}

// `deactivate(offer)` opens a transaction that switches the offer off and returns; `commit()`
// commits it. In between, a redemption runs on another thread.
template <class Deactivate, class Commit>
void race(boost::asio::io_context& ioc, db::Database& db, const Ids& ids, Deactivate deactivate,
          Commit commit) {
  deactivate(ids.offer);
  std::string outcome;
  std::thread t([&] { outcome = testing::run(ioc, redeem(db, ids)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(outcome.empty()) << "the redemption waits for the deactivation";
  commit();
  t.join();
  EXPECT_EQ(outcome, "OFFER_NOT_AVAILABLE");
}

TEST(RedemptionRace, PostgresRedemptionWaitsForADeactivationAndSeesIt) {
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempPostgres pg;
  auto db = pg.open();
  const auto ids = testing::run(pg.ioc, seed(*db));
  testing::PgSession admin(pg.url);
  race(
      pg.ioc, *db, ids,
      [&](const std::string& offer) {
        admin.exec("BEGIN");
        admin.exec("UPDATE offers SET is_active = 0 WHERE id = '" + offer + "'");
      },
      [&] { admin.exec("COMMIT"); });
}

TEST(RedemptionRace, SqliteRedemptionWaitsForADeactivationAndSeesIt) {
  testing::TempSqlite t;
  const auto ids = testing::run(t.ioc, seed(*t.db));
  sqlite3* admin = nullptr;
  ASSERT_EQ(sqlite3_open((t.dir / "test.db").c_str(), &admin), SQLITE_OK);
  race(
      t.ioc, *t.db, ids,
      [&](const std::string& offer) {
        const std::string sql =
            "BEGIN IMMEDIATE; UPDATE offers SET is_active = 0 WHERE id = '" + offer + "';";
        ASSERT_EQ(sqlite3_exec(admin, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
      },
      [&] { ASSERT_EQ(sqlite3_exec(admin, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK); });
  sqlite3_close(admin);
}

}  // namespace
}  // namespace gd
