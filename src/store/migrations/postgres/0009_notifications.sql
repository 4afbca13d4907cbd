-- Notifications (docs/notifications.md): the in-app feed. One row per person told of an
-- event, written in the event's transaction, its title and body rendered in the recipient's
-- language at that moment. A read-only synced table (schema version 2, docs/sync-schema.md):
-- the change-log trigger is 0007_sync.sql's sync_owned_change.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('de', 'en'));

CREATE TABLE notifications (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  type       TEXT NOT NULL,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  data       TEXT NOT NULL,   -- JSON object: taskId, applicationId, redemptionId, points, reason
  task_id    TEXT,
  created_at BIGINT NOT NULL,
  read_at    BIGINT,
  updated_at BIGINT NOT NULL
);
-- The feed, newest first; the unread count; full pulls page through a user's rows in id order.
CREATE INDEX notifications_feed ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX sync_notifications_user ON notifications (user_id, id);

CREATE TRIGGER sync_notifications_change AFTER INSERT OR UPDATE ON notifications
  FOR EACH ROW EXECUTE FUNCTION sync_owned_change();
