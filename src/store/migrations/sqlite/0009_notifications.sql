-- Notifications (docs/notifications.md): the in-app feed. One row per person told of an
-- event, written in the event's transaction, its title and body rendered in the recipient's
-- language at that moment. A read-only synced table (schema version 2, docs/sync-schema.md):
-- the change-log triggers follow 0007_sync.sql.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('de', 'en'));

CREATE TABLE notifications (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  type       TEXT NOT NULL,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  data       TEXT NOT NULL,   -- JSON object: taskId, applicationId, redemptionId, points, reason
  task_id    TEXT,
  created_at INTEGER NOT NULL,
  read_at    INTEGER,
  updated_at INTEGER NOT NULL
);
-- The feed, newest first; the unread count; full pulls page through a user's rows in id order.
CREATE INDEX notifications_feed ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX sync_notifications_user ON notifications (user_id, id);

CREATE TRIGGER sync_notifications_insert AFTER INSERT ON notifications BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'notifications', NEW.id, 1 FROM sync_clock;
END;
CREATE TRIGGER sync_notifications_update AFTER UPDATE ON notifications BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'notifications', NEW.id, 0 FROM sync_clock;
END;
