-- Push to devices (docs/notifications.md, "Push to devices"): the devices a user registered
-- for push, each bound to the session that registered it, and the outbox of deliveries the
-- push worker sends. `address` is the FCM or APNs token, or the Web Push endpoint URL (then
-- p256dh and auth hold the subscription's keys); one platform address is one device.
CREATE TABLE devices (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  session_id TEXT NOT NULL REFERENCES sessions (id),
  platform   TEXT NOT NULL CHECK (platform IN ('webpush', 'fcm', 'apns')),
  address    TEXT NOT NULL,
  p256dh     TEXT,
  auth       TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (platform, address)
);
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_session ON devices (session_id);

-- One row per message and device, written in the transaction of whatever caused it; the
-- worker leases due rows by moving next_attempt_at ahead, and deletes them when done.
CREATE TABLE push_deliveries (
  id              TEXT PRIMARY KEY,
  device_id       TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  payload         TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  last_error      TEXT
);
CREATE INDEX push_deliveries_due ON push_deliveries (next_attempt_at);
CREATE INDEX push_deliveries_device ON push_deliveries (device_id);

-- Devices end with their session: whatever revokes it (logout, refresh-token reuse, logout
-- everywhere, account erasure) deletes its devices in the same transaction.
CREATE TRIGGER devices_end_with_session AFTER UPDATE OF revoked_at ON sessions
WHEN NEW.revoked_at IS NOT NULL BEGIN
  DELETE FROM devices WHERE session_id = NEW.id;
END;
