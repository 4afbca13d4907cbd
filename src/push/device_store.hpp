// SQL for the push module's tables: devices and push_deliveries (migration 0010).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "push/sender.hpp"
#include "store/db.hpp"

namespace gd::push {

struct Delivery {
  std::string id;
  Device device;
  std::string payload;
  int attempts = 0;  // including the one just claimed
  std::int64_t created_at_ms = 0;
};

class DeviceStore {
 public:
  explicit DeviceStore(db::Database& db) : db_(db) {}

  // Inserts the device, or binds the existing one with the same platform address to this
  // user and session (a phone that signs in again, or into another account). Returns the
  // device and whether it is new.
  Task<std::pair<Device, bool>> upsert(Device d);
  Task<std::vector<Device>> list(std::string user_id);
  Task<bool> remove(std::string user_id, std::string device_id);
  Task<void> remove_all(std::string user_id);
  Task<void> remove_device(std::string device_id);

  // One delivery row per device of the user, in the caller's transaction.
  static Task<std::size_t> enqueue_in(db::Tx& tx, std::string user_id, std::string payload,
                                      std::int64_t now);
  // Leases up to `limit` due deliveries for `lease_ms` (attempts counted now), oldest first.
  Task<std::vector<Delivery>> claim(std::size_t limit, std::int64_t now, std::int64_t lease_ms);
  Task<void> done(std::string delivery_id);
  Task<void> reschedule(std::string delivery_id, std::int64_t at, std::string error);
  Task<std::int64_t> pending();

 private:
  db::Database& db_;
};

}  // namespace gd::push
