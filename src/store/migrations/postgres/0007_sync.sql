-- The sync change log (WatermelonDB pull/push, docs/sync.md). Every insert and update of a
-- synced row appends one sync_changes row per user whose pull it concerns (the audience;
-- '*' for the public catalogue). A helper gaining or losing a task is a change for them too.
-- Deletes are soft (is_deleted), so a deleted row is its own tombstone.
--
-- Positions follow commit order, as on SQLite: a writing transaction's rows carry no position
-- until it commits; then a deferred trigger moves the one-row sync_clock to the commit time
-- in epoch milliseconds (or one past its last value, if that is later) and stamps the rows
-- with it. The clock row stays locked until the commit is visible, so the next
-- transaction to take a position waits for it: every position at or below the clock a
-- snapshot sees has committed and is visible in it, and a pull that returns clock + 1 misses
-- nothing and sends nothing twice.
ALTER TABLE tasks ADD COLUMN is_deleted INTEGER NOT NULL DEFAULT 0;

-- horizon: changes below it have been pruned (docs/sync.md).
CREATE TABLE sync_clock (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  pos     BIGINT NOT NULL,
  horizon BIGINT NOT NULL
);
INSERT INTO sync_clock VALUES (1, 0, 0);

CREATE TABLE sync_changes (
  -- NULL until the writing transaction commits; rows written after its position was taken
  -- (only if constraints were made immediate) take that position at once.
  pos        BIGINT DEFAULT (NULLIF(current_setting('gooddeeds.sync_pos', true), '')::bigint),
  txid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
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
CREATE INDEX sync_changes_unplaced ON sync_changes (txid) WHERE pos IS NULL;
CREATE INDEX sync_changes_age ON sync_changes USING brin (pos);  -- for pruning

-- Fires at commit for each new row; the first firing of a transaction does the work.
CREATE FUNCTION sync_place() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p BIGINT;
BEGIN
  IF NEW.pos IS NOT NULL OR current_setting('gooddeeds.sync_pos', true) <> '' THEN
    RETURN NULL;
  END IF;
  UPDATE sync_clock
    SET pos = greatest(pos + 1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
    WHERE id = 1 RETURNING pos INTO p;
  PERFORM set_config('gooddeeds.sync_pos', p::text, true);
  UPDATE sync_changes SET pos = p WHERE txid = pg_current_xact_id() AND pos IS NULL;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER sync_place AFTER INSERT ON sync_changes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_place();

-- A row of a user's own (projects, point_transactions, redemptions: its user_id), or of the
-- public catalogue (partners, offers: everyone, '*').
CREATE FUNCTION sync_owned_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES (NEW.user_id, TG_TABLE_NAME, NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  RETURN NULL;
END $$;
CREATE FUNCTION sync_public_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES ('*', TG_TABLE_NAME, NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  RETURN NULL;
END $$;
CREATE TRIGGER sync_projects_change AFTER INSERT OR UPDATE ON projects
  FOR EACH ROW EXECUTE FUNCTION sync_owned_change();
CREATE TRIGGER sync_point_transactions_change AFTER INSERT OR UPDATE ON point_transactions
  FOR EACH ROW EXECUTE FUNCTION sync_owned_change();
CREATE TRIGGER sync_redemptions_change AFTER INSERT OR UPDATE ON redemptions
  FOR EACH ROW EXECUTE FUNCTION sync_owned_change();
CREATE TRIGGER sync_partners_change AFTER INSERT OR UPDATE ON partners
  FOR EACH ROW EXECUTE FUNCTION sync_public_change();
CREATE TRIGGER sync_offers_change AFTER INSERT OR UPDATE ON offers
  FOR EACH ROW EXECUTE FUNCTION sync_public_change();
CREATE FUNCTION sync_tasks_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_helper TEXT := CASE WHEN TG_OP = 'UPDATE' THEN OLD.helper_id END;
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES (NEW.creator_id, 'tasks', NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  IF NEW.helper_id IS NOT NULL THEN
    INSERT INTO sync_changes (audience, table_name, record_id, created)
      VALUES (NEW.helper_id, 'tasks', NEW.id,
              CASE WHEN old_helper IS DISTINCT FROM NEW.helper_id THEN 1 ELSE 0 END);
  END IF;
  IF old_helper IS NOT NULL AND old_helper IS DISTINCT FROM NEW.helper_id THEN
    INSERT INTO sync_changes (audience, table_name, record_id, created)
      VALUES (old_helper, 'tasks', NEW.id, 0);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sync_tasks_change AFTER INSERT OR UPDATE ON tasks
  FOR EACH ROW EXECUTE FUNCTION sync_tasks_change();
