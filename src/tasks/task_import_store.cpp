// Bulk insert of imported tasks. A batch is staged in a temporary table, then, in the same
// transaction and with the per-row insert triggers of `tasks` switched off, inserted at once,
// and what those triggers would have written is written with one statement each: the
// geo-search cells, their open tasks and counts (SQLite; PostGIS keeps its own GiST index)
// and the sync change log. The triggers are back before the commit, so no other connection
// ever sees them gone. tests/unit/tasks_import_test.cpp checks that the result equals the
// triggers' row by row.
#include "core/check.hpp"
#include "core/infra_error.hpp"
#include "tasks/task_import.hpp"
#include "tasks/task_store.hpp"

namespace gd::tasks {
namespace {

constexpr const char* kStageSqlite =
    "CREATE TEMP TABLE IF NOT EXISTS import_batch (line INTEGER NOT NULL, id TEXT NOT NULL, "
    "creator_id TEXT NOT NULL, project_id TEXT, title TEXT NOT NULL, description TEXT NOT NULL, "
    "category TEXT NOT NULL, lat REAL NOT NULL, lng REAL NOT NULL, grid_lat REAL NOT NULL, "
    "grid_lng REAL NOT NULL, points_reward INTEGER NOT NULL, status TEXT NOT NULL, "
    "image_urls TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)";
// PostgreSQL: made afresh in each transaction (IF NOT EXISTS would print a notice).
constexpr const char* kStagePostgres =
    "CREATE TEMP TABLE import_batch (line BIGINT NOT NULL, id TEXT NOT NULL, "
    "creator_id TEXT NOT NULL, project_id TEXT, title TEXT NOT NULL, description TEXT NOT NULL, "
    "category TEXT NOT NULL, lat DOUBLE PRECISION NOT NULL, lng DOUBLE PRECISION NOT NULL, "
    "grid_lat DOUBLE PRECISION NOT NULL, grid_lng DOUBLE PRECISION NOT NULL, "
    "points_reward BIGINT NOT NULL, status TEXT NOT NULL, image_urls TEXT NOT NULL, "
    "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL) ON COMMIT DROP";
constexpr std::size_t kStageColumns = 16;
// Rows per staging INSERT: 8,000 parameters, within both back ends' limits.
constexpr std::size_t kStageRows = 500;

// The per-row triggers the bulk statements stand in for (SQLite: by name, so a trigger added
// later keeps firing per row).
constexpr const char* kSqliteTriggers[] = {"tasks_geo_insert", "sync_tasks_insert"};
constexpr const char* kPostgresTrigger = "sync_tasks_change";

std::string stage_sql(std::size_t rows) {
  std::string sql = "INSERT INTO import_batch VALUES ";
  for (std::size_t r = 0; r < rows; ++r) {
    if (r) sql += ", ";
    sql += "(" + db::placeholders(1 + r * kStageColumns, kStageColumns) + ")";
  }
  return sql;
}

void add_params(db::Params& p, const ImportRow& row) {
  const HelpTask& t = row.task;
  p.emplace_back(row.line);
  p.emplace_back(t.id);
  p.emplace_back(t.creator_id);
  p.emplace_back(db::opt(t.project_id));
  p.emplace_back(t.title);
  p.emplace_back(t.description);
  p.emplace_back(t.category);
  p.emplace_back(t.location.lat);
  p.emplace_back(t.location.lng);
  p.emplace_back(t.grid.lat);
  p.emplace_back(t.grid.lng);
  p.emplace_back(t.points_reward);
  p.emplace_back(std::string(status_name(t.status)));
  p.emplace_back(image_urls_json(t.image_urls));
  p.emplace_back(t.created_at_ms);
  p.emplace_back(t.updated_at_ms);
}

Task<void> stage(db::Tx& tx, db::Dialect dialect, const std::vector<ImportRow>& rows) {
  co_await tx.exec(dialect == db::Dialect::kSqlite ? kStageSqlite : kStagePostgres);
  co_await tx.exec("DELETE FROM import_batch");
  const std::string full = stage_sql(kStageRows);
  for (std::size_t first = 0; first < rows.size(); first += kStageRows) {
    const std::size_t n = std::min(kStageRows, rows.size() - first);
    db::Params p;
    p.reserve(n * kStageColumns);
    for (std::size_t i = first; i < first + n; ++i) add_params(p, rows[i]);
    co_await tx.exec(n == kStageRows ? full : stage_sql(n), std::move(p));
  }
}

// Rows whose id is taken leave the batch (a re-import skips what it already brought in).
Task<std::vector<ImportDuplicate>> drop_duplicates(db::Tx& tx) {
  auto r = co_await tx.exec(
      "SELECT b.line, b.id FROM import_batch b JOIN tasks t ON t.id = b.id ORDER BY b.line");
  std::vector<ImportDuplicate> out;
  for (int i = 0; i < r.size(); ++i) out.push_back({r.i64(i, 0), r.str(i, 1)});
  if (!out.empty())
    co_await tx.exec(
        "DELETE FROM import_batch WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.id = "
        "import_batch.id)");
  co_return out;
}

// Drops the per-row triggers and returns their definitions, to be run again before commit.
Task<std::vector<std::string>> drop_sqlite_triggers(db::Tx& tx) {
  std::vector<std::string> defs;
  for (const char* name : kSqliteTriggers) {
    auto r = co_await tx.exec("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1",
                              db::params(std::string(name)));
    if (r.empty())
      throw InfraError(false, std::string("import: the schema has no trigger ") + name +
                                  ", which the bulk path stands in for");
    defs.push_back(r.str(0, 0));
    co_await tx.exec(std::string("DROP TRIGGER ") + name);
  }
  co_return defs;
}

// A batch at least as large as the table it goes into (a first load) drops the table's
// secondary indexes and builds them again after the insert: CREATE INDEX sorts once, where
// inserting entries at random keys rewrites pages all over each index. Their definitions come
// from sqlite_master, so they come back as they were; the id's own index stays (duplicates are
// found through it).
Task<std::vector<std::string>> drop_task_indexes(db::Tx& tx, std::size_t batch_rows) {
  auto count = co_await tx.exec("SELECT count(*) FROM tasks");
  if (static_cast<std::size_t>(count.i64(0, 0)) > batch_rows) co_return std::vector<std::string>{};
  auto r = co_await tx.exec(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql "
      "IS NOT NULL");
  std::vector<std::string> defs;
  for (int i = 0; i < r.size(); ++i) {
    defs.push_back(r.str(i, 1));
    co_await tx.exec("DROP INDEX " + r.str(i, 0));
  }
  co_return defs;
}

// What tasks_geo_insert does per open task, per cell and once for the counts.
Task<void> index_open_sqlite(db::Tx& tx) {
  co_await tx.exec(
      "INSERT INTO geo_cells (grid_lat, grid_lng, open_count) SELECT grid_lat, grid_lng, "
      "count(*) FROM import_batch WHERE status = 'open' GROUP BY grid_lat, grid_lng "
      "ON CONFLICT (grid_lat, grid_lng) DO UPDATE SET open_count = open_count + "
      "excluded.open_count");
  co_await tx.exec(
      "INSERT INTO geo_open (cell, task_id, seq, category, created_at) SELECT c.id, t.id, t.seq, "
      "t.category, t.created_at FROM import_batch b JOIN tasks t ON t.id = b.id JOIN geo_cells c "
      "ON c.grid_lat = b.grid_lat AND c.grid_lng = b.grid_lng WHERE b.status = 'open'");
  co_await tx.exec(
      "UPDATE geo_stats SET open_total = open_total + (SELECT count(*) FROM import_batch WHERE "
      "status = 'open')");
}

// What the sync trigger does per task, at one position for the batch (as every transaction
// on PostgreSQL has).
Task<void> log_changes(db::Tx& tx, db::Dialect dialect) {
  auto pos = co_await tx.exec(
      dialect == db::Dialect::kSqlite
          ? "UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now)) RETURNING pos"
          : "UPDATE sync_clock SET pos = greatest(pos + 1, (extract(epoch FROM "
            "clock_timestamp()) * 1000)::bigint) WHERE id = 1 RETURNING pos");
  co_await tx.exec(
      "INSERT INTO sync_changes (pos, audience, table_name, record_id, created) SELECT $1, "
      "creator_id, 'tasks', id, 1 FROM import_batch",
      db::params(pos.i64(0, 0)));
}

constexpr const char* kInsert =
    "INSERT INTO tasks (id, creator_id, helper_id, project_id, title, description, category, "
    "lat, lng, grid_lat, grid_lng, points_reward, status, image_urls, created_at, updated_at) "
    "SELECT id, creator_id, NULL, project_id, title, description, category, lat, lng, grid_lat, "
    "grid_lng, points_reward, status, image_urls, created_at, updated_at FROM import_batch "
    "ORDER BY id";

}  // namespace

Task<std::vector<ImportDuplicate>> import_batch(db::Database& db, std::vector<ImportRow> rows) {
  GD_CHECK(rows.size() <= kImportBatchMax);
  std::vector<ImportDuplicate> duplicates;
  const db::Dialect dialect = db.dialect();
  co_await db.transact([&](db::Tx& tx) -> Task<bool> {
    co_await stage(tx, dialect, rows);
    duplicates = co_await drop_duplicates(tx);
    if (dialect == db::Dialect::kSqlite) {
      const auto triggers = co_await drop_sqlite_triggers(tx);
      const auto indexes = co_await drop_task_indexes(tx, rows.size());
      co_await tx.exec(kInsert);
      for (const auto& def : indexes) co_await tx.exec(def);
      co_await index_open_sqlite(tx);
      co_await log_changes(tx, dialect);
      for (const auto& def : triggers) co_await tx.exec(def);
    } else {
      // SHARE ROW EXCLUSIVE on tasks until commit: readers go on, other writers of tasks wait.
      co_await tx.exec(std::string("ALTER TABLE tasks DISABLE TRIGGER ") + kPostgresTrigger);
      co_await tx.exec(kInsert);
      co_await log_changes(tx, dialect);
      co_await tx.exec(std::string("ALTER TABLE tasks ENABLE TRIGGER ") + kPostgresTrigger);
    }
    co_return true;
  });
  co_return duplicates;
}

Task<void> prepare_import(db::Database& db) {
  if (db.dialect() != db::Dialect::kSqlite) co_return;
  // The writer connection is the import's own: a page cache that holds the task indexes being
  // filled (an import touches them all over), and the staging table in memory.
  co_await db.write("PRAGMA cache_size = -524288");
  co_await db.write("PRAGMA temp_store = MEMORY");
}

Task<void> analyze_after_import(db::Database& db) {
  if (db.dialect() == db::Dialect::kSqlite) {
    co_await db.write("ANALYZE tasks");
    co_await db.write("ANALYZE geo_open");
  } else {
    co_await db.write("ANALYZE tasks");
  }
}

}  // namespace gd::tasks
