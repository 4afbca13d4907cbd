-- The sync change log (WatermelonDB pull/push, docs/sync.md). Every insert and update of a
-- synced row appends one sync_changes row per user whose pull it concerns (the audience;
-- '*' for the public catalogue), at a position in commit order: on SQLite a clock bumped
-- under the single write lock to the commit time in epoch milliseconds, or one more than the
-- last position when that is not later. A helper gaining or losing a task is a change for
-- them too. Deletes are soft (is_deleted), so a deleted row is its own tombstone. Changes
-- below `horizon` have been pruned (docs/sync.md).
ALTER TABLE tasks ADD COLUMN is_deleted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sync_clock (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  pos     INTEGER NOT NULL,
  horizon INTEGER NOT NULL
);
INSERT INTO sync_clock VALUES (1, 0, 0);
CREATE VIEW sync_now AS SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS ms;

CREATE TABLE sync_changes (
  pos        INTEGER NOT NULL,
  audience   TEXT NOT NULL,
  table_name TEXT NOT NULL,
  record_id  TEXT NOT NULL,
  created    INTEGER NOT NULL   -- 1: the record, or this audience's access to it, began here
);
CREATE INDEX sync_changes_audience ON sync_changes (audience, table_name, pos);
CREATE INDEX sync_changes_record ON sync_changes (table_name, record_id, pos);

-- Full pulls page through a user's rows in id order.
CREATE INDEX sync_projects_user ON projects (user_id, id);
DROP INDEX projects_user;  -- its prefix
CREATE INDEX sync_tasks_creator ON tasks (creator_id, id);
CREATE INDEX sync_tasks_helper ON tasks (helper_id, id);
CREATE INDEX sync_point_transactions_user ON point_transactions (user_id, id);
CREATE INDEX sync_redemptions_user ON redemptions (user_id, id);

CREATE TRIGGER sync_projects_insert AFTER INSERT ON projects BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'projects', NEW.id, 1 FROM sync_clock;
END;
CREATE TRIGGER sync_projects_update AFTER UPDATE ON projects BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'projects', NEW.id, 0 FROM sync_clock;
END;
CREATE TRIGGER sync_point_transactions_insert AFTER INSERT ON point_transactions BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'point_transactions', NEW.id, 1 FROM sync_clock;
END;
CREATE TRIGGER sync_point_transactions_update AFTER UPDATE ON point_transactions BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'point_transactions', NEW.id, 0 FROM sync_clock;
END;
CREATE TRIGGER sync_redemptions_insert AFTER INSERT ON redemptions BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'redemptions', NEW.id, 1 FROM sync_clock;
END;
CREATE TRIGGER sync_redemptions_update AFTER UPDATE ON redemptions BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'redemptions', NEW.id, 0 FROM sync_clock;
END;
CREATE TRIGGER sync_partners_insert AFTER INSERT ON partners BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, '*', 'partners', NEW.id, 1 FROM sync_clock;
END;
CREATE TRIGGER sync_partners_update AFTER UPDATE ON partners BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, '*', 'partners', NEW.id, 0 FROM sync_clock;
END;
CREATE TRIGGER sync_offers_insert AFTER INSERT ON offers BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, '*', 'offers', NEW.id, 1 FROM sync_clock;
END;
CREATE TRIGGER sync_offers_update AFTER UPDATE ON offers BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, '*', 'offers', NEW.id, 0 FROM sync_clock;
END;
CREATE TRIGGER sync_tasks_insert AFTER INSERT ON tasks BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.creator_id, 'tasks', NEW.id, 1 FROM sync_clock;
  INSERT INTO sync_changes SELECT pos, NEW.helper_id, 'tasks', NEW.id, 1 FROM sync_clock
    WHERE NEW.helper_id IS NOT NULL;
END;
-- The creator and the helper see every change; a new helper gets the task as created, a
-- former one gets a change that their next pull turns into a delete.
CREATE TRIGGER sync_tasks_update AFTER UPDATE ON tasks BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.creator_id, 'tasks', NEW.id, 0 FROM sync_clock;
  INSERT INTO sync_changes SELECT pos, NEW.helper_id, 'tasks', NEW.id,
    OLD.helper_id IS NOT NEW.helper_id FROM sync_clock WHERE NEW.helper_id IS NOT NULL;
  INSERT INTO sync_changes SELECT pos, OLD.helper_id, 'tasks', NEW.id, 0 FROM sync_clock
    WHERE OLD.helper_id IS NOT NULL AND OLD.helper_id IS NOT NEW.helper_id;
END;
