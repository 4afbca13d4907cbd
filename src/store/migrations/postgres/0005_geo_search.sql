-- Newest-first search over a circle that holds many tasks walks open tasks by creation time;
-- the index carries what the walk filters on, so it reads no table rows (an index-only scan).
-- Ids order bytewise (COLLATE "C"), as cursors compare them.
CREATE INDEX tasks_open_newest ON tasks (created_at DESC, id COLLATE "C" DESC)
  INCLUDE (grid_geog, category) WHERE status = 'open';
