-- Geo search by privacy-grid cell. Every open task's snapped point is the centre of a ~250 m
-- cell, so the spatial index holds cells, not tasks: the R*Tree finds the occupied cells near
-- a point, and geo_open lists each cell's open tasks clustered by (cell, task id), so nearest
-- first reads cells in order of distance and, within a cell (all at one distance), tasks in
-- id order: a page costs about one page of rows, however many tasks share the area.
-- Newest first over a large area walks open tasks by creation time (tasks_open_newest).
-- Triggers keep all of it in step with tasks; geo_stats counts open tasks for the planner.
DROP TRIGGER tasks_geo_insert;
DROP TRIGGER tasks_geo_update;
DROP TRIGGER tasks_geo_delete;
DROP TABLE tasks_geo;

CREATE TABLE geo_cells (
  id         INTEGER PRIMARY KEY,
  grid_lat   REAL NOT NULL,
  grid_lng   REAL NOT NULL,
  open_count INTEGER NOT NULL DEFAULT 0,
  UNIQUE (grid_lat, grid_lng)
);
-- Cells with open tasks, by their centre; the exact centre rides along (box columns are
-- 32-bit floats widened outwards).
CREATE VIRTUAL TABLE geo_cells_rtree USING rtree (
  id, min_lat, max_lat, min_lng, max_lng, +grid_lat, +grid_lng, +open_count
);
CREATE TABLE geo_open (
  cell       INTEGER NOT NULL,
  task_id    TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  category   TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (cell, task_id)
) WITHOUT ROWID;
CREATE TABLE geo_stats (id INTEGER PRIMARY KEY CHECK (id = 1), open_total INTEGER NOT NULL);
INSERT INTO geo_stats VALUES (1, 0);

CREATE TRIGGER geo_cells_add AFTER INSERT ON geo_cells BEGIN
  INSERT INTO geo_cells_rtree VALUES (NEW.id, NEW.grid_lat, NEW.grid_lat, NEW.grid_lng,
    NEW.grid_lng, NEW.grid_lat, NEW.grid_lng, NEW.open_count);
END;
CREATE TRIGGER geo_cells_count AFTER UPDATE OF open_count ON geo_cells WHEN NEW.open_count > 0
BEGIN
  UPDATE geo_cells_rtree SET open_count = NEW.open_count WHERE id = NEW.id;
END;
CREATE TRIGGER geo_cells_empty AFTER UPDATE OF open_count ON geo_cells WHEN NEW.open_count = 0
BEGIN
  DELETE FROM geo_cells_rtree WHERE id = NEW.id;
  DELETE FROM geo_cells WHERE id = NEW.id;
END;

-- A task enters the index: its cell (created when new), its row, the counts.
CREATE TRIGGER tasks_geo_insert AFTER INSERT ON tasks WHEN NEW.status = 'open' BEGIN
  INSERT INTO geo_cells (grid_lat, grid_lng) VALUES (NEW.grid_lat, NEW.grid_lng)
    ON CONFLICT (grid_lat, grid_lng) DO NOTHING;
  UPDATE geo_cells SET open_count = open_count + 1
    WHERE grid_lat = NEW.grid_lat AND grid_lng = NEW.grid_lng;
  INSERT INTO geo_open SELECT id, NEW.id, NEW.seq, NEW.category, NEW.created_at FROM geo_cells
    WHERE grid_lat = NEW.grid_lat AND grid_lng = NEW.grid_lng;
  UPDATE geo_stats SET open_total = open_total + 1;
END;

-- Any change that matters: out with the old entry (if it was open), in with the new one.
CREATE TRIGGER tasks_geo_update AFTER UPDATE OF status, grid_lat, grid_lng, category, created_at
  ON tasks WHEN OLD.status = 'open' OR NEW.status = 'open' BEGIN
  DELETE FROM geo_open WHERE OLD.status = 'open' AND task_id = OLD.id AND cell =
    (SELECT id FROM geo_cells WHERE grid_lat = OLD.grid_lat AND grid_lng = OLD.grid_lng);
  UPDATE geo_cells SET open_count = open_count - 1
    WHERE OLD.status = 'open' AND grid_lat = OLD.grid_lat AND grid_lng = OLD.grid_lng;
  INSERT INTO geo_cells (grid_lat, grid_lng) SELECT NEW.grid_lat, NEW.grid_lng
    WHERE NEW.status = 'open' ON CONFLICT (grid_lat, grid_lng) DO NOTHING;
  UPDATE geo_cells SET open_count = open_count + 1
    WHERE NEW.status = 'open' AND grid_lat = NEW.grid_lat AND grid_lng = NEW.grid_lng;
  INSERT INTO geo_open SELECT id, NEW.id, NEW.seq, NEW.category, NEW.created_at FROM geo_cells
    WHERE NEW.status = 'open' AND grid_lat = NEW.grid_lat AND grid_lng = NEW.grid_lng;
  UPDATE geo_stats SET open_total = open_total + (NEW.status = 'open') - (OLD.status = 'open');
END;

CREATE TRIGGER tasks_geo_delete AFTER DELETE ON tasks WHEN OLD.status = 'open' BEGIN
  DELETE FROM geo_open WHERE task_id = OLD.id AND cell =
    (SELECT id FROM geo_cells WHERE grid_lat = OLD.grid_lat AND grid_lng = OLD.grid_lng);
  UPDATE geo_cells SET open_count = open_count - 1
    WHERE grid_lat = OLD.grid_lat AND grid_lng = OLD.grid_lng;
  UPDATE geo_stats SET open_total = open_total - 1;
END;

-- Tasks that are open now.
INSERT INTO geo_cells (grid_lat, grid_lng, open_count)
  SELECT grid_lat, grid_lng, count(*) FROM tasks WHERE status = 'open' GROUP BY 1, 2;
INSERT INTO geo_open SELECT c.id, t.id, t.seq, t.category, t.created_at
  FROM tasks t JOIN geo_cells c ON c.grid_lat = t.grid_lat AND c.grid_lng = t.grid_lng
  WHERE t.status = 'open';
UPDATE geo_stats SET open_total = (SELECT count(*) FROM tasks WHERE status = 'open');

CREATE INDEX tasks_open_newest ON tasks (created_at DESC, id DESC, grid_lat, grid_lng, category, status)
  WHERE status = 'open';
