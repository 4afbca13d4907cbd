-- Projects group a user's tasks (written through sync); help tasks, their applications, the
-- outbox of task events. Geo search runs on a geography column over the snapped point with
-- a partial GiST index on open tasks.
CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id),
  name        TEXT NOT NULL,
  description TEXT,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  is_deleted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX projects_user ON projects (user_id);

CREATE TABLE tasks (
  id            TEXT PRIMARY KEY,
  creator_id    TEXT NOT NULL REFERENCES users (id),
  helper_id     TEXT REFERENCES users (id),
  project_id    TEXT REFERENCES projects (id),
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  category      TEXT NOT NULL,
  lat           DOUBLE PRECISION NOT NULL,
  lng           DOUBLE PRECISION NOT NULL,
  grid_lat      DOUBLE PRECISION NOT NULL,
  grid_lng      DOUBLE PRECISION NOT NULL,
  grid_geog     geography(Point, 4326)
                  GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(grid_lng, grid_lat), 4326)::geography) STORED,
  points_reward BIGINT NOT NULL CHECK (points_reward > 0),
  status        TEXT NOT NULL,
  image_urls    TEXT NOT NULL DEFAULT '[]',
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  completed_at  BIGINT
);
CREATE INDEX tasks_open_geo ON tasks USING GIST (grid_geog) WHERE status = 'open';
CREATE INDEX tasks_creator ON tasks (creator_id, created_at DESC, id DESC);
CREATE INDEX tasks_helper ON tasks (helper_id, created_at DESC, id DESC);

CREATE TABLE task_applications (
  id           TEXT PRIMARY KEY,
  task_id      TEXT NOT NULL REFERENCES tasks (id),
  applicant_id TEXT NOT NULL REFERENCES users (id),
  message      TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  UNIQUE (task_id, applicant_id)
);
CREATE INDEX task_applications_applicant ON task_applications (applicant_id);

CREATE TABLE task_events (
  id           TEXT PRIMARY KEY,
  task_id      TEXT NOT NULL,
  type         TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  payload      TEXT,                      -- JSON, e.g. a rejection reason
  created_at   BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX task_events_undelivered ON task_events (created_at) WHERE delivered_at IS NULL;
