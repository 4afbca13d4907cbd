-- The sync change log (WatermelonDB pull/push, docs/sync.md). Every insert and update of a
-- synced row appends one sync_changes row per user whose pull it concerns (the audience;
-- '*' for the public catalogue). Its position is the writing transaction's id: a pull
-- returns changes at or above the oldest transaction that was still running when the
-- previous pull took its snapshot, so a write that commits during a pull is never skipped.
-- A helper gaining or losing a task is a change for them too. Deletes are soft (is_deleted),
-- so a deleted row is its own tombstone.
ALTER TABLE tasks ADD COLUMN is_deleted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sync_changes (
  pos        BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  audience   TEXT NOT NULL,
  table_name TEXT NOT NULL,
  record_id  TEXT NOT NULL,
  created    INTEGER NOT NULL   -- 1: the record, or this audience's access to it, began here
);
CREATE INDEX sync_changes_audience ON sync_changes (audience, table_name, pos);
CREATE INDEX sync_changes_record ON sync_changes (table_name, record_id, pos);

CREATE FUNCTION sync_projects_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES (NEW.user_id, 'projects', NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  RETURN NULL;
END $$;
CREATE TRIGGER sync_projects_change AFTER INSERT OR UPDATE ON projects
  FOR EACH ROW EXECUTE FUNCTION sync_projects_change();
CREATE FUNCTION sync_point_transactions_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES (NEW.user_id, 'point_transactions', NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  RETURN NULL;
END $$;
CREATE TRIGGER sync_point_transactions_change AFTER INSERT OR UPDATE ON point_transactions
  FOR EACH ROW EXECUTE FUNCTION sync_point_transactions_change();
CREATE FUNCTION sync_redemptions_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES (NEW.user_id, 'redemptions', NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  RETURN NULL;
END $$;
CREATE TRIGGER sync_redemptions_change AFTER INSERT OR UPDATE ON redemptions
  FOR EACH ROW EXECUTE FUNCTION sync_redemptions_change();
CREATE FUNCTION sync_partners_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES ('*', 'partners', NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  RETURN NULL;
END $$;
CREATE TRIGGER sync_partners_change AFTER INSERT OR UPDATE ON partners
  FOR EACH ROW EXECUTE FUNCTION sync_partners_change();
CREATE FUNCTION sync_offers_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_changes (audience, table_name, record_id, created)
    VALUES ('*', 'offers', NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END);
  RETURN NULL;
END $$;
CREATE TRIGGER sync_offers_change AFTER INSERT OR UPDATE ON offers
  FOR EACH ROW EXECUTE FUNCTION sync_offers_change();
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
