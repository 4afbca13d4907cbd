// Devices and deliveries; SQL shared by both back ends except the claim's row locking.
#include "push/device_store.hpp"

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/outbox.hpp"

namespace gd::push {
namespace {

constexpr const char* kDeviceColumns =
    "d.id, d.user_id, d.session_id, d.platform, d.address, d.p256dh, d.auth, d.created_at";

Device device_at(const db::Rows& r, int i, int c = 0) {
  Device d;
  d.id = r.str(i, c);
  d.user_id = r.str(i, c + 1);
  d.session_id = r.str(i, c + 2);
  d.platform = parse_platform(r.text(i, c + 3)).value_or(Platform::kWebPush);
  d.address = r.str(i, c + 4);
  d.p256dh = r.str(i, c + 5);
  d.auth = r.str(i, c + 6);
  d.created_at_ms = r.i64(i, c + 7);
  return d;
}

}  // namespace

Task<std::pair<Device, bool>> DeviceStore::upsert(Device d) {
  std::pair<Device, bool> out;
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    const std::string find = std::string("SELECT ") + kDeviceColumns +
                             " FROM devices d WHERE d.platform = $1 AND d.address = $2";
    auto existing =
        co_await tx.exec(find, db::params(std::string(platform_name(d.platform)), d.address));
    const std::int64_t now = now_ms();
    if (existing.empty()) {
      d.id = uuid_v7();
      d.created_at_ms = now;
      co_await tx.exec(
          "INSERT INTO devices (id, user_id, session_id, platform, address, p256dh, auth, "
          "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
          db::params(d.id, d.user_id, d.session_id, std::string(platform_name(d.platform)),
                     d.address, db::opt(d.p256dh.empty() ? std::nullopt : std::optional(d.p256dh)),
                     db::opt(d.auth.empty() ? std::nullopt : std::optional(d.auth)), now));
      out = {d, true};
      co_return true;
    }
    Device old = device_at(existing, 0);
    co_await tx.exec(
        "UPDATE devices SET user_id = $2, session_id = $3, p256dh = $4, auth = $5, "
        "updated_at = $6 WHERE id = $1",
        db::params(old.id, d.user_id, d.session_id,
                   db::opt(d.p256dh.empty() ? std::nullopt : std::optional(d.p256dh)),
                   db::opt(d.auth.empty() ? std::nullopt : std::optional(d.auth)), now));
    // Messages queued for the previous owner are not for this one.
    if (old.user_id != d.user_id)
      co_await tx.exec("DELETE FROM push_deliveries WHERE device_id = $1", db::params(old.id));
    d.id = old.id;
    d.created_at_ms = old.created_at_ms;
    out = {d, false};
    co_return true;
  };
  co_await db_.transact(body);
  co_return out;
}

Task<std::vector<Device>> DeviceStore::list(std::string user_id) {
  const auto rows = co_await db_.read(std::string("SELECT ") + kDeviceColumns +
                                          " FROM devices d WHERE d.user_id = $1 ORDER BY d.id",
                                      db::params(std::move(user_id)));
  std::vector<Device> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(device_at(rows, i));
  co_return out;
}

Task<bool> DeviceStore::remove(std::string user_id, std::string device_id) {
  const auto rows = co_await db_.write("DELETE FROM devices WHERE id = $1 AND user_id = $2",
                                       db::params(std::move(device_id), std::move(user_id)));
  co_return rows.affected() > 0;
}

Task<void> DeviceStore::remove_all(std::string user_id) {
  co_await db_.write("DELETE FROM devices WHERE user_id = $1", db::params(std::move(user_id)));
}

Task<void> DeviceStore::remove_device(std::string device_id) {
  co_await db_.write("DELETE FROM devices WHERE id = $1", db::params(std::move(device_id)));
}

Task<std::size_t> DeviceStore::enqueue_in(db::Tx& tx, std::string user_id, std::string payload,
                                          std::int64_t now) {
  const auto devices =
      co_await tx.exec("SELECT id FROM devices WHERE user_id = $1", db::params(std::move(user_id)));
  for (int i = 0; i < devices.size(); ++i) {
    co_await tx.exec(
        "INSERT INTO push_deliveries (id, device_id, payload, attempts, next_attempt_at, "
        "created_at) VALUES ($1, $2, $3, 0, $4, $4)",
        db::params(uuid_v7(), devices.str(i, 0), payload, now));
  }
  co_return static_cast<std::size_t>(devices.size());
}

Task<std::vector<Delivery>> DeviceStore::claim(std::size_t limit, std::int64_t now,
                                               std::int64_t lease_ms) {
  std::vector<Delivery> out;
  if (!co_await db::outbox_due(db_, "push_deliveries", now)) co_return out;
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  const std::string select =
      std::string("SELECT p.id, p.payload, p.attempts, p.created_at, ") + kDeviceColumns +
      " FROM push_deliveries p JOIN devices d ON d.id = p.device_id WHERE p.next_attempt_at <= "
      "$1 ORDER BY p.next_attempt_at, p.id LIMIT $2" +
      (pg ? " FOR UPDATE OF p SKIP LOCKED" : "");
  const auto body = [&](db::Tx& tx) -> Task<bool> {
    const auto rows = co_await tx.exec(select, db::params(now, static_cast<std::int64_t>(limit)));
    if (rows.empty()) co_return true;
    std::vector<std::string> ids;
    for (int i = 0; i < rows.size(); ++i) {
      Delivery d{rows.str(i, 0), device_at(rows, i, 4), rows.str(i, 1),
                 static_cast<int>(rows.i64(i, 2)) + 1, rows.i64(i, 3)};
      ids.emplace_back(d.id);
      out.push_back(std::move(d));
    }
    co_await db::lease_outbox_rows(tx, "push_deliveries", std::move(ids), now + lease_ms);
    co_return true;
  };
  co_await db_.transact(body);
  co_return out;
}

Task<void> DeviceStore::done(std::string delivery_id) {
  co_await db_.write("DELETE FROM push_deliveries WHERE id = $1",
                     db::params(std::move(delivery_id)));
}

Task<void> DeviceStore::reschedule(std::string delivery_id, std::int64_t at, std::string error) {
  co_await db_.write(
      "UPDATE push_deliveries SET next_attempt_at = $2, last_error = $3 WHERE id = $1",
      db::params(std::move(delivery_id), at, std::move(error)));
}

Task<std::int64_t> DeviceStore::pending() {
  const auto rows = co_await db_.read("SELECT COUNT(*) FROM push_deliveries");
  co_return rows.empty() ? 0 : rows.i64(0, 0);
}

}  // namespace gd::push
