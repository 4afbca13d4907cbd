-- Partners, their offers and API keys, redemptions with their discount codes, and the admin
-- behind an admin_adjustment. Times are milliseconds since the epoch.
CREATE TABLE partners (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  logo_url    TEXT,
  description TEXT NOT NULL DEFAULT '',
  is_active   INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX partners_name ON partners (name, id);

CREATE TABLE offers (
  id          TEXT PRIMARY KEY,
  partner_id  TEXT NOT NULL REFERENCES partners (id),
  title       TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  points_cost INTEGER NOT NULL CHECK (points_cost > 0),
  valid_days  INTEGER NOT NULL CHECK (valid_days > 0),
  is_active   INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX offers_partner ON offers (partner_id, points_cost, id);

-- Keys are stored only as SHA-256 hashes; the prefix lets an admin tell them apart.
CREATE TABLE partner_api_keys (
  id          TEXT PRIMARY KEY,
  partner_id  TEXT NOT NULL REFERENCES partners (id),
  key_hash    TEXT NOT NULL UNIQUE,
  prefix      TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE INDEX partner_api_keys_partner ON partner_api_keys (partner_id, created_at);

-- One row per redemption, written in the transaction of its ledger debit. status is
-- active | used | refunded; "expired" is an active code past expires_at.
CREATE TABLE redemptions (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id),
  partner_id    TEXT NOT NULL REFERENCES partners (id),
  offer_id      TEXT NOT NULL REFERENCES offers (id),
  points_spent  INTEGER NOT NULL CHECK (points_spent > 0),
  code          TEXT NOT NULL UNIQUE,     -- 12 Crockford base32 characters, no separators
  status        TEXT NOT NULL,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER,
  created_at    INTEGER NOT NULL,         -- the redemption time
  updated_at    INTEGER NOT NULL
);
CREATE INDEX redemptions_user ON redemptions (user_id, created_at DESC, id DESC);

ALTER TABLE point_transactions ADD COLUMN actor_id TEXT;  -- the admin of an admin_adjustment
-- A redemption has one debit and at most one refund.
CREATE UNIQUE INDEX point_transactions_redemption ON point_transactions (redemption_id, type)
  WHERE redemption_id IS NOT NULL;

-- The daily earning cap's counter: task rewards credited to the user on earned_day (days since
-- the epoch, UTC). Kept beside the balance so that the cap costs one row, not a scan.
ALTER TABLE users ADD COLUMN earned_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN earned_today INTEGER NOT NULL DEFAULT 0;
