// The two back ends' schemas after every migration describe the same data: the same tables
// (less those that are one back end's index machinery), the same columns with the same
// nullability, unique constraints on the same columns; and every synced table (the one list
// in sync/sync_tables.cpp) has change-log triggers on both and serves its client columns.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "db_fixture.hpp"
#include "sync/sync_tables.hpp"

namespace gd {
namespace {

using testing::run;

struct Schema {
  std::map<std::string, std::map<std::string, bool>> columns;  // table → column → nullable
  std::set<std::string> unique;                                // "table(col,col)"
  std::set<std::string> triggered;                             // tables with triggers
};

// Tables that exist on one back end only, and why.
const std::set<std::string> kSqliteOnly = {"geo_cells",
                                           "geo_cells_rtree",
                                           "geo_cells_rtree_node",
                                           "geo_cells_rtree_parent",
                                           "geo_cells_rtree_rowid",
                                           "geo_open",
                                           "geo_stats",  // the R*Tree cell index (tasks.md)
                                           "tasks_geo",
                                           "tasks_geo_node",
                                           "tasks_geo_parent",
                                           "tasks_geo_rowid",
                                           "schema_migrations"};
const std::set<std::string> kPostgresOnly = {"spatial_ref_sys", "schema_migrations"};
// Columns (and the unique keys on them) that differ on purpose, and why.
const std::set<std::string> kSqliteOnlyColumns = {
    "tasks.seq",  // the integer key the R*Tree needs (SQLite's rowid)
};
const std::set<std::string> kPostgresOnlyColumns = {
    "sync_changes.txid",  // the transaction whose commit stamps the row's position
};
const std::set<std::string> kNullabilityDiffers = {
    "sync_changes.pos",  // PostgreSQL stamps positions at commit (deferred trigger)
};
const std::set<std::string> kSqliteOnlyUnique = {"tasks(seq)"};

Task<Schema> sqlite_schema(db::Database* db) {
  Schema s;
  const auto tables = co_await db->read(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  for (int i = 0; i < tables.size(); ++i) {
    const std::string t = tables.str(i, 0);
    if (kSqliteOnly.count(t)) continue;
    const auto cols =
        co_await db->read("SELECT name, \"notnull\", pk FROM pragma_table_info($1)", db::params(t));
    int pk_columns = 0;
    std::string pk;
    for (int c = 0; c < cols.size(); ++c) {
      s.columns[t][cols.str(c, 0)] = cols.i64(c, 1) == 0 && cols.i64(c, 2) == 0;
      if (cols.i64(c, 2) > 0) ++pk_columns, pk = cols.str(c, 0);
    }
    // An INTEGER PRIMARY KEY is the rowid: unique, but in no index list.
    const auto rowid_pk = co_await db->read(
        "SELECT 1 FROM pragma_table_info($1) WHERE pk = 1 AND upper(type) = 'INTEGER'",
        db::params(t));
    if (pk_columns == 1 && !rowid_pk.empty()) s.unique.insert(t + "(" + pk + ")");
    const auto idx = co_await db->read(
        "SELECT name FROM pragma_index_list($1) WHERE \"unique\" = 1 AND partial = 0",
        db::params(t));
    for (int k = 0; k < idx.size(); ++k) {
      const auto parts = co_await db->read("SELECT name FROM pragma_index_info($1) ORDER BY seqno",
                                           db::params(idx.str(k, 0)));
      std::string key = t + "(";
      for (int p = 0; p < parts.size(); ++p) key += (p ? "," : "") + parts.str(p, 0);
      s.unique.insert(key + ")");
    }
  }
  const auto triggers = co_await db->read(
      "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_%'");
  for (int i = 0; i < triggers.size(); ++i) s.triggered.insert(triggers.str(i, 0));
  co_return s;
}

// The change log's own machinery is not a synced table.
void drop_log_tables(Schema& s) {
  s.triggered.erase("sync_changes");
  s.triggered.erase("sync_clock");
}

Task<Schema> postgres_schema(db::Database* db) {
  Schema s;
  const auto cols = co_await db->read(
      "SELECT table_name, column_name, is_nullable FROM information_schema.columns c WHERE "
      "table_schema = 'public' AND EXISTS (SELECT 1 FROM information_schema.tables t WHERE "
      "t.table_schema = 'public' AND t.table_name = c.table_name AND t.table_type = 'BASE "
      "TABLE') AND is_generated = 'NEVER'");
  for (int i = 0; i < cols.size(); ++i) {
    const std::string t = cols.str(i, 0);
    if (kPostgresOnly.count(t)) continue;
    s.columns[t][cols.str(i, 1)] = cols.text(i, 2) == "YES";
  }
  // Unique indexes without a predicate, columns in index order (primary keys included).
  const auto idx = co_await db->read(
      "SELECT t.relname, string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index x "
      "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace "
      "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
      "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
      "WHERE ns.nspname = 'public' AND x.indisunique AND x.indpred IS NULL "
      "GROUP BY x.indexrelid, t.relname");
  for (int i = 0; i < idx.size(); ++i) {
    if (kPostgresOnly.count(idx.str(i, 0))) continue;
    s.unique.insert(idx.str(i, 0) + "(" + idx.str(i, 1) + ")");
  }
  const auto triggers = co_await db->read(
      "SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE "
      "trigger_schema = 'public' AND trigger_name LIKE 'sync_%'");
  for (int i = 0; i < triggers.size(); ++i) s.triggered.insert(triggers.str(i, 0));
  co_return s;
}

// A synced table's client columns can be read from it (the pull's own select list).
Task<void> read_sync_columns(db::Database* db) {
  for (const auto& t : sync::sync_tables()) {
    co_await db->read("SELECT " + t.select_list() + " FROM " + std::string(t.from) + " WHERE " +
                          t.visible_sql() + " LIMIT 0",
                      db::params(std::string("00000000-0000-4000-8000-000000000000")));
  }
}

TEST(Schema, SqliteAndPostgresAgreeAfterMigration) {
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempSqlite lite;
  testing::TempPostgres pg;
  auto pgdb = pg.open();
  const Schema a = run(lite.ioc, sqlite_schema(lite.db.get()));
  const Schema b = run(pg.ioc, postgres_schema(pgdb.get()));

  std::set<std::string> ta, tb;
  for (const auto& [t, c] : a.columns) ta.insert(t);
  for (const auto& [t, c] : b.columns) tb.insert(t);
  EXPECT_EQ(ta, tb) << "tables differ";
  for (const auto& [table, cols] : a.columns) {
    if (!b.columns.count(table)) continue;
    for (const auto& [col, nullable] : cols) {
      const auto& other = b.columns.at(table);
      const std::string name = table + "." + col;
      if (kSqliteOnlyColumns.count(name)) continue;
      if (!other.count(col)) {
        ADD_FAILURE() << table << "." << col << " is missing on PostgreSQL";
        continue;
      }
      if (!kNullabilityDiffers.count(name))
        EXPECT_EQ(nullable, other.at(col)) << name << " nullability differs";
    }
    for (const auto& [col, nullable] : b.columns.at(table))
      EXPECT_TRUE(cols.count(col) || kPostgresOnlyColumns.count(table + "." + col))
          << table << "." << col << " is missing on SQLite";
  }
  std::set<std::string> ua = a.unique;
  for (const auto& u : kSqliteOnlyUnique) ua.erase(u);
  EXPECT_EQ(ua, b.unique) << "unique constraints differ";
}

TEST(Schema, EverySyncedTableHasChangeLogTriggersOnBothBackEnds) {
  std::set<std::string> synced;
  for (const auto& t : sync::sync_tables()) synced.insert(std::string(t.name));
  testing::TempSqlite lite;
  Schema a = run(lite.ioc, sqlite_schema(lite.db.get()));
  drop_log_tables(a);
  EXPECT_EQ(a.triggered, synced) << "SQLite change-log triggers";
  run(lite.ioc, read_sync_columns(lite.db.get()));
  if (!testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  testing::TempPostgres pg;
  auto pgdb = pg.open();
  Schema b = run(pg.ioc, postgres_schema(pgdb.get()));
  drop_log_tables(b);
  EXPECT_EQ(b.triggered, synced) << "PostgreSQL change-log triggers";
  run(pg.ioc, read_sync_columns(pgdb.get()));
}

}  // namespace
}  // namespace gd
