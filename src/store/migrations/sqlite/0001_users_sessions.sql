-- Users and their device sessions. Times are milliseconds since the epoch.
CREATE TABLE users (
  id              TEXT PRIMARY KEY,
  email           TEXT UNIQUE,            -- lowercased; NULL once the account is erased
  password_hash   TEXT,                   -- Argon2id; NULL for OAuth-only and erased accounts
  name            TEXT NOT NULL,
  bio             TEXT,
  avatar_url      TEXT,
  lat             REAL,
  lng             REAL,
  points_balance  INTEGER NOT NULL DEFAULT 0 CHECK (points_balance >= 0),
  roles           TEXT NOT NULL DEFAULT 'user',  -- comma-separated
  is_active       INTEGER NOT NULL DEFAULT 1,
  tasks_completed INTEGER NOT NULL DEFAULT 0,
  oauth_provider  TEXT,
  oauth_id        TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  deleted_at      INTEGER
);
CREATE UNIQUE INDEX users_oauth ON users (oauth_provider, oauth_id) WHERE oauth_provider IS NOT NULL;

-- One row per signed-in device; a refresh-token family lives and dies with its session.
CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id),
  device        TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  revoked_at    INTEGER,
  revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens are stored only as SHA-256 hashes. Spent ones are kept until their session
-- expires so that a replay can be recognised and the family revoked.
CREATE TABLE refresh_tokens (
  token_hash  TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions (id),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  spent_at    INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
