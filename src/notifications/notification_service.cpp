// Notification SQL, shared by both back ends.
#include "notifications/notification_service.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "core/check.hpp"
#include "core/clock.hpp"
#include "notifications/texts.hpp"
#include "push/queue.hpp"
#include "users/user_store.hpp"

namespace gd::notifications {
namespace {

constexpr const char* kColumns =
    "id, user_id, type, title, body, data, task_id, created_at, read_at";

Notification from_row(const db::Rows& r, int i) {
  Notification n;
  n.id = r.str(i, 0);
  n.user_id = r.str(i, 1);
  n.type = r.str(i, 2);
  n.title = r.str(i, 3);
  n.body = r.str(i, 4);
  n.data = r.str(i, 5);
  n.task_id = r.opt(i, 6);
  n.created_at_ms = r.i64(i, 7);
  if (!r.is_null(i, 8)) n.read_at_ms = r.i64(i, 8);
  return n;
}

}  // namespace

Task<Notification> NotificationService::add_in(db::Tx& tx, UserId recipient, Type type, Data data) {
  GD_CHECK(!recipient.value.empty());
  const auto locale = co_await users::UserStore::locale_in(tx, recipient.value);
  const auto text = render(locale, type, data);
  Notification n;
  n.id = uuid_v7();
  n.user_id = recipient.value;
  n.type = std::string(type_name(type));
  n.title = text.title;
  n.body = text.body;
  n.data = boost::json::serialize(data_json(data));
  n.task_id = data.task_id;
  n.created_at_ms = now_ms();
  co_await tx.exec(
      "INSERT INTO notifications (id, user_id, type, title, body, data, task_id, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
      db::params(n.id, n.user_id, n.type, n.title, n.body, n.data, db::opt(n.task_id),
                 n.created_at_ms));
  // And to the recipient's devices: the deliveries commit with the notification or not at all.
  auto payload = data_json(data);
  payload["notificationId"] = n.id;
  co_await push::enqueue_in(tx, n.user_id, {n.type, n.title, n.body, std::move(payload)});
  co_return n;
}

Task<std::vector<Notification>> NotificationService::add_each_in(db::Tx& tx,
                                                                 std::vector<UserId> recipients,
                                                                 Type type, Data data) {
  std::vector<Notification> out;
  std::vector<std::string> seen;
  for (auto& r : recipients) {
    if (std::find(seen.begin(), seen.end(), r.value) != seen.end()) continue;
    seen.push_back(r.value);
    out.push_back(co_await add_in(tx, std::move(r), type, data));
  }
  co_return out;
}

Task<std::vector<Notification>> NotificationService::list(UserId user, bool unread_only,
                                                          PageRequest page) {
  const bool after = !page.after.empty();
  const auto rows = co_await db_.read(
      std::string("SELECT ") + kColumns +
          " FROM notifications WHERE user_id = $1 AND ($2 = 0 OR read_at IS NULL) AND ($3 = 0 "
          "OR created_at < $4 OR (created_at = $4 AND id < $5)) ORDER BY created_at DESC, id "
          "DESC LIMIT $6",
      db::params(user.value, std::int64_t{unread_only}, std::int64_t{after},
                 after ? page.int_after(0) : std::int64_t{0},
                 after ? page.text_after(1) : std::string(), std::int64_t{page.limit + 1}));
  std::vector<Notification> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(from_row(rows, i));
  co_return out;
}

Task<std::int64_t> NotificationService::unread_count(UserId user) {
  const auto r =
      co_await db_.read("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
                        db::params(user.value));
  co_return r.i64(0, 0);
}

Task<bool> NotificationService::mark_read(UserId user, std::string id) {
  const auto now = now_ms();
  const auto r = co_await db_.write(
      "UPDATE notifications SET read_at = COALESCE(read_at, $3), updated_at = CASE WHEN read_at "
      "IS NULL THEN $3 ELSE updated_at END WHERE id = $1 "
      "AND user_id = $2 RETURNING id",
      db::params(std::move(id), user.value, now));
  co_return !r.empty();
}

Task<void> NotificationService::mark_all_read(UserId user) {
  co_await db_.write(
      "UPDATE notifications SET read_at = $2, updated_at = $2 WHERE user_id = $1 AND read_at IS "
      "NULL",
      db::params(user.value, now_ms()));
}

Task<std::optional<std::vector<Notification>>> NotificationService::newer_than(UserId user,
                                                                               std::string since_id,
                                                                               int limit) {
  const auto anchor =
      co_await db_.read("SELECT created_at FROM notifications WHERE id = $1 AND user_id = $2",
                        db::params(since_id, user.value));
  if (anchor.empty()) co_return std::nullopt;
  const auto rows = co_await db_.read(
      std::string("SELECT ") + kColumns +
          " FROM notifications WHERE user_id = $1 AND (created_at > $2 OR (created_at = $2 AND "
          "id > $3)) ORDER BY created_at, id LIMIT $4",
      db::params(user.value, anchor.i64(0, 0), std::move(since_id), std::int64_t{limit}));
  std::vector<Notification> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(from_row(rows, i));
  co_return out;
}

Task<std::vector<NotificationService::Committed>> NotificationService::committed_after(
    std::int64_t pos, std::string id, bool strict, int limit) {
  const auto rows = co_await db_.read(
      "SELECT n.id, n.user_id, n.type, n.title, n.body, n.data, n.task_id, n.created_at, "
      "n.read_at, c.pos FROM sync_changes c JOIN notifications n ON n.id = c.record_id WHERE "
      "c.table_name = 'notifications' AND c.created = 1 AND (c.pos > $1 OR ($4 = 0 AND c.pos "
      "= $1 AND c.record_id > $2)) ORDER BY c.pos, c.record_id LIMIT $3",
      db::params(pos, std::move(id), std::int64_t{limit}, std::int64_t{strict}));
  std::vector<Committed> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back({rows.i64(i, 9), from_row(rows, i)});
  co_return out;
}

Task<std::int64_t> NotificationService::last_position() {
  const auto r = co_await db_.read(
      "SELECT COALESCE(max(pos), 0) FROM sync_changes WHERE table_name = 'notifications' AND "
      "created = 1");
  co_return r.i64(0, 0);
}

Task<void> NotificationService::erase(UserId user) {
  co_await db_.write("DELETE FROM notifications WHERE user_id = $1", db::params(user.value));
}

}  // namespace gd::notifications
