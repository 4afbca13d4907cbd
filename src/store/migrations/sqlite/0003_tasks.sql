-- Projects group a user's tasks (written through sync); help tasks, their applications, the
-- outbox of task events, and the R*Tree over open tasks' snapped locations.
CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id),
  name        TEXT NOT NULL,
  description TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  is_deleted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX projects_user ON projects (user_id);

CREATE TABLE tasks (
  seq           INTEGER PRIMARY KEY,      -- stable rowid: the R*Tree's key
  id            TEXT NOT NULL UNIQUE,
  creator_id    TEXT NOT NULL REFERENCES users (id),
  helper_id     TEXT REFERENCES users (id),
  project_id    TEXT REFERENCES projects (id),
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  category      TEXT NOT NULL,
  lat           REAL NOT NULL,
  lng           REAL NOT NULL,
  grid_lat      REAL NOT NULL,            -- centre of the ~250 m privacy cell
  grid_lng      REAL NOT NULL,
  points_reward INTEGER NOT NULL CHECK (points_reward > 0),
  status        TEXT NOT NULL,
  image_urls    TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  completed_at  INTEGER
);
CREATE INDEX tasks_creator ON tasks (creator_id, created_at DESC, id DESC);
CREATE INDEX tasks_helper ON tasks (helper_id, created_at DESC, id DESC);

-- Open tasks only, by their snapped point; kept in step by triggers.
CREATE VIRTUAL TABLE tasks_geo USING rtree (id, min_lat, max_lat, min_lng, max_lng);
CREATE TRIGGER tasks_geo_insert AFTER INSERT ON tasks WHEN NEW.status = 'open' BEGIN
  INSERT INTO tasks_geo VALUES (NEW.seq, NEW.grid_lat, NEW.grid_lat, NEW.grid_lng, NEW.grid_lng);
END;
CREATE TRIGGER tasks_geo_update AFTER UPDATE OF status, grid_lat, grid_lng ON tasks BEGIN
  DELETE FROM tasks_geo WHERE id = OLD.seq;
  INSERT INTO tasks_geo SELECT NEW.seq, NEW.grid_lat, NEW.grid_lat, NEW.grid_lng, NEW.grid_lng
    WHERE NEW.status = 'open';
END;
CREATE TRIGGER tasks_geo_delete AFTER DELETE ON tasks BEGIN
  DELETE FROM tasks_geo WHERE id = OLD.seq;
END;

CREATE TABLE task_applications (
  id           TEXT PRIMARY KEY,
  task_id      TEXT NOT NULL REFERENCES tasks (id),
  applicant_id TEXT NOT NULL REFERENCES users (id),
  message      TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL,             -- pending | accepted | declined | withdrawn
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (task_id, applicant_id)
);
CREATE INDEX task_applications_applicant ON task_applications (applicant_id);

-- Outbox: one row per event, written in the transaction that caused it.
CREATE TABLE task_events (
  id           TEXT PRIMARY KEY,
  task_id      TEXT NOT NULL,
  type         TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  payload      TEXT,                      -- JSON, e.g. a rejection reason
  created_at   INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX task_events_undelivered ON task_events (created_at) WHERE delivered_at IS NULL;
