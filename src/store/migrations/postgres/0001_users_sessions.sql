-- Users and their device sessions. Times are milliseconds since the epoch (BIGINT), the same
-- representation as on SQLite so that stores share their SQL.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE users (
  id              TEXT PRIMARY KEY,
  email           TEXT UNIQUE,
  password_hash   TEXT,
  name            TEXT NOT NULL,
  bio             TEXT,
  avatar_url      TEXT,
  lat             DOUBLE PRECISION,
  lng             DOUBLE PRECISION,
  points_balance  BIGINT NOT NULL DEFAULT 0 CHECK (points_balance >= 0),
  roles           TEXT NOT NULL DEFAULT 'user',
  is_active       INTEGER NOT NULL DEFAULT 1,
  tasks_completed BIGINT NOT NULL DEFAULT 0,
  oauth_provider  TEXT,
  oauth_id        TEXT,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  deleted_at      BIGINT
);
CREATE UNIQUE INDEX users_oauth ON users (oauth_provider, oauth_id) WHERE oauth_provider IS NOT NULL;

CREATE TABLE sessions (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users (id),
  device         TEXT NOT NULL DEFAULT '',
  created_at     BIGINT NOT NULL,
  last_used_at   BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  revoked_at     BIGINT,
  revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
  token_hash  TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions (id),
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  spent_at    BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
