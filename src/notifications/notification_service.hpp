// The notification feed: rows written in the transaction of the event they tell of (add_in,
// called by tasks, points and partners), read, counted and marked read by their recipient.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/ids.hpp"
#include "core/page.hpp"
#include "notifications/notification.hpp"
#include "store/db.hpp"

namespace gd::notifications {

class NotificationService {
 public:
  explicit NotificationService(db::Database& db) : db_(db) {}

  // Writes one notification for `recipient` in the caller's transaction, its title and body
  // rendered now in the recipient's language, and returns it: the row is committed with the
  // event or not at all. (A later live fan-out or push hangs off these rows: see
  // docs/notifications.md.)
  static Task<Notification> add_in(db::Tx& tx, UserId recipient, Type type, Data data);
  // One for each distinct recipient, in order.
  static Task<std::vector<Notification>> add_each_in(db::Tx& tx, std::vector<UserId> recipients,
                                                     Type type, Data data);

  // Newest first; up to page.limit + 1 rows, so the caller knows whether more follow.
  Task<std::vector<Notification>> list(UserId user, bool unread_only, PageRequest page);
  Task<std::int64_t> unread_count(UserId user);
  // False when `id` is not one of the user's notifications. Reading twice keeps the first time.
  Task<bool> mark_read(UserId user, std::string id);
  Task<void> mark_all_read(UserId user);
  // The user's notifications after `since_id` (one of theirs), oldest first, at most `limit`;
  // nullopt when `since_id` is not one of their notifications.
  Task<std::optional<std::vector<Notification>>> newer_than(UserId user, std::string since_id,
                                                            int limit);
  // Notifications in the order they committed (sync_changes positions), for the live relay.
  struct Committed {
    std::int64_t pos = 0;
    Notification n;
  };
  // After (pos, id), or, with `strict`, after every row at `pos`.
  Task<std::vector<Committed>> committed_after(std::int64_t pos, std::string id, bool strict,
                                               int limit);
  // The position of the last committed notification (0 when none).
  Task<std::int64_t> last_position();
  // GDPR erasure: the user's notifications are removed.
  Task<void> erase(UserId user);

 private:
  db::Database& db_;
};

}  // namespace gd::notifications
