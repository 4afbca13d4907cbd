-- Live sockets (docs/notifications.md "Live"): each server process follows the notification
-- rows as they commit, in sync_changes order, from a position it keeps in memory. This index
-- makes "the notifications committed after (pos, id)" a range read.
CREATE INDEX sync_changes_live ON sync_changes (pos, record_id)
  WHERE table_name = 'notifications' AND created = 1;
