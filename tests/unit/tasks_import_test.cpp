// The bulk import path leaves exactly the state the per-row triggers leave: the same tasks
// inserted one statement at a time into one database and by import_batch into another give
// the same task rows, geo-search cells, open-task lists, counts, R*Tree entries and sync
// changes (all but positions), and the triggers are back afterwards (a later insert is indexed
// in both alike, and every index is back). Runs on SQLite always and on PostgreSQL when
// GOODDEEDS_TEST_PG_URL is set.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "db_fixture.hpp"
#include "tasks/geo.hpp"
#include "tasks/task_import.hpp"
#include "tasks/task_store.hpp"

namespace {

using gd::GeoPoint;
using gd::Task;
using gd::testing::run;
using namespace gd::tasks;
namespace db = gd::db;

const std::string kCreator = "0190a6f0-0000-7000-8000-00000000c0de";

// Open and cancelled tasks in a few crowded cells and some lone ones.
std::vector<ImportRow> rows(std::mt19937_64& rng, int n, std::int64_t first_line) {
  std::uniform_real_distribution<double> u(-1, 1);
  const std::vector<GeoPoint> centres = {{52.52, 13.405}, {48.1, 11.6}, {-33.9, 151.2}};
  std::vector<ImportRow> out;
  for (int i = 0; i < n; ++i) {
    ImportRow r;
    r.line = first_line + i;
    HelpTask& t = r.task;
    t.id = gd::uuid_v4();
    t.creator_id = kCreator;
    t.title = "task " + std::to_string(r.line);
    t.category = i % 3 ? "pets" : "garden";
    const auto c = centres[static_cast<std::size_t>(i) % centres.size()];
    const double spread = i % 7 == 0 ? 2.0 : 0.004;
    t.location = {c.lat + u(rng) * spread, c.lng + u(rng) * spread};
    t.grid = snap_to_grid(t.location);
    t.points_reward = 1 + i % 50;
    t.status = i % 5 == 4 ? Status::kCancelled : Status::kOpen;
    t.image_urls = {"https://example.test/" + std::to_string(i) + ".jpg"};
    t.created_at_ms = t.updated_at_ms = 1'700'000'000'000 + i * 1000;
    out.push_back(std::move(r));
  }
  return out;
}

Task<void> add_creator(db::Database* d) {
  co_await d->write(
      "INSERT INTO users (id, email, name, created_at, updated_at) VALUES ($1, 'c@example.test', "
      "'c', 0, 0)",
      db::params(kCreator));
}

// The per-row path: one INSERT per task, the triggers doing the rest.
Task<void> insert_one_by_one(db::Database* d, std::vector<ImportRow> batch) {
  co_await d->transact([&](db::Tx& tx) -> Task<bool> {
    for (const auto& r : batch) {
      const HelpTask& t = r.task;
      co_await tx.exec(
          "INSERT INTO tasks (id, creator_id, title, description, category, lat, lng, grid_lat, "
          "grid_lng, points_reward, status, image_urls, created_at, updated_at) VALUES ($1, $2, "
          "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
          db::params(t.id, t.creator_id, t.title, t.description, t.category, t.location.lat,
                     t.location.lng, t.grid.lat, t.grid.lng, t.points_reward,
                     std::string(status_name(t.status)), image_urls_json(t.image_urls),
                     t.created_at_ms, t.updated_at_ms));
    }
    co_return true;
  });
}

// Everything the triggers maintain, as text, in a stable order.
Task<std::vector<std::string>> snapshot(db::Database* d) {
  // Each query with its number of columns.
  std::vector<std::pair<std::string, int>> queries = {
      {"SELECT id, creator_id, helper_id, project_id, title, description, category, lat, lng, "
       "grid_lat, grid_lng, points_reward, status, image_urls, created_at, updated_at, "
       "completed_at, is_deleted FROM tasks ORDER BY id",
       18},
      {"SELECT audience, table_name, record_id, created, count(*) FROM sync_changes WHERE pos IS "
       "NOT NULL GROUP BY audience, table_name, record_id, created ORDER BY record_id, audience",
       5}};
  // The schema is as it was: every index and trigger back (and enabled).
  if (d->dialect() == db::Dialect::kSqlite) {
    queries.emplace_back(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY "
        "name",
        3);
  } else {
    queries.emplace_back(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1", 2);
    queries.emplace_back(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1", 2);
  }
  if (d->dialect() == db::Dialect::kSqlite) {
    queries.emplace_back(
        "SELECT grid_lat, grid_lng, open_count FROM geo_cells ORDER BY grid_lat, grid_lng", 3);
    queries.emplace_back(
        "SELECT c.grid_lat, c.grid_lng, o.task_id, t.seq = o.seq, o.category, o.created_at FROM "
        "geo_open o JOIN geo_cells c ON c.id = o.cell JOIN tasks t ON t.id = o.task_id ORDER BY "
        "o.task_id",
        6);
    queries.emplace_back("SELECT open_total FROM geo_stats", 1);
    queries.emplace_back(
        "SELECT c.grid_lat, c.grid_lng, r.open_count FROM geo_cells_rtree r JOIN geo_cells c ON "
        "c.id = r.id ORDER BY c.grid_lat, c.grid_lng",
        3);
  }
  std::vector<std::string> out;
  for (const auto& [sql, columns] : queries) {
    auto r = co_await d->read(sql);
    std::string text = sql + "\n";
    for (int i = 0; i < r.size(); ++i) {
      for (int c = 0; c < columns; ++c) text += r.opt(i, c).value_or("NULL") + "|";
      text += "\n";
    }
    out.push_back(std::move(text));
  }
  co_return out;
}

Task<std::size_t> import(db::Database* d, std::vector<ImportRow> batch) {
  co_return (co_await import_batch(*d, std::move(batch))).size();
}

void check_same_state(db::Database& per_row, db::Database& bulk, boost::asio::io_context& ioc) {
  std::mt19937_64 rng(20261203);
  run(ioc, add_creator(&per_row));
  run(ioc, add_creator(&bulk));
  // Tasks already there, so the import meets cells that exist.
  const auto before = rows(rng, 300, 1);
  run(ioc, insert_one_by_one(&per_row, before));
  run(ioc, insert_one_by_one(&bulk, before));
  const auto first = rows(rng, 1200, 1000), second = rows(rng, 700, 3000);
  run(ioc, insert_one_by_one(&per_row, first));
  run(ioc, insert_one_by_one(&per_row, second));
  EXPECT_EQ(run(ioc, import(&bulk, first)), 0u);
  // The second batch repeats ten rows of the first: those are duplicates, left out.
  auto again = second;
  again.insert(again.end(), first.begin(), first.begin() + 10);
  EXPECT_EQ(run(ioc, import(&bulk, again)), 10u);
  EXPECT_EQ(run(ioc, snapshot(&per_row)), run(ioc, snapshot(&bulk)));
  // The per-row triggers are back: one more insert is indexed alike in both.
  const auto after = rows(rng, 40, 5000);
  run(ioc, insert_one_by_one(&per_row, after));
  run(ioc, insert_one_by_one(&bulk, after));
  const auto a = run(ioc, snapshot(&per_row)), b = run(ioc, snapshot(&bulk));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
}

TEST(TaskImport, SqliteBulkStateEqualsPerRowTriggers) {
  gd::testing::TempSqlite per_row, bulk;
  boost::asio::io_context ioc;
  check_same_state(*per_row.db, *bulk.db, ioc);
}

TEST(TaskImport, PostgresBulkStateEqualsPerRowTriggers) {
  if (!gd::testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL not set";
  gd::testing::TempPostgres per_row, bulk;
  // Both on one io_context, the one run() drives.
  auto a = per_row.open();
  auto b = gd::db::open_database(per_row.ioc.get_executor(), {bulk.url, 2});
  check_same_state(*a, *b, per_row.ioc);
}

// A line is read under the API's rules and in both shapes.
TEST(TaskImport, ReadsSeedColumnsAndRefusesWhatPostTasksRefuses) {
  const auto seed =
      read_import_line(R"({"id":"0190A6F0-0000-7000-8000-000000000001","user_id":")" + kCreator +
                           R"(","title":" Walk the dog ","description":null,"category":"pets",)"
                           R"j("location":"POINT(13.4 52.5)","points_reward":5,"status":"open",)j"
                           R"("created_at":"2024-01-02 10:00:00","updated_at_ms":1704276000000,)"
                           R"("is_completed":false,"is_deleted":false,"project_id":"p1"})",
                       7, 500, 0);
  ASSERT_TRUE(seed.row);
  EXPECT_EQ(seed.row->task.id, "0190a6f0-0000-7000-8000-000000000001");
  EXPECT_EQ(seed.row->task.title, "Walk the dog");
  EXPECT_EQ(seed.row->task.location.lat, 52.5);
  EXPECT_EQ(seed.row->task.location.lng, 13.4);
  EXPECT_EQ(seed.row->task.created_at_ms, 1704189600000);
  EXPECT_EQ(seed.row->task.updated_at_ms, 1704276000000);
  EXPECT_FALSE(seed.row->task.project_id);

  const auto bad = read_import_line(R"({"creatorId":")" + kCreator +
                                        R"(","category":"pets","location":{"lat":91,"lng":0},)"
                                        R"("pointsReward":501,"colour":"red"})",
                                    8, 500, 0);
  ASSERT_TRUE(bad.refused);
  std::vector<std::string> fields;
  for (const auto& f : bad.refused->errors) fields.push_back(f.field);
  std::sort(fields.begin(), fields.end());
  // As POST /tasks answers: a field of the wrong shape first, the rules once the shapes are right.
  EXPECT_EQ(fields, (std::vector<std::string>{"colour", "location"}));

  EXPECT_TRUE(read_import_line("{\"is_deleted\":true}", 9, 500, 0).skipped);
  EXPECT_EQ(read_import_line("{oops", 10, 500, 0).refused->code, gd::ErrorCode::kMalformedJson);
  const auto done = read_import_line(R"({"creatorId":")" + kCreator +
                                         R"(","title":"t","category":"pets","pointsReward":1,)"
                                         R"("lat":1,"lng":2,"status":"completed"})",
                                     11, 500, 0);
  ASSERT_TRUE(done.refused);
  EXPECT_EQ(done.refused->errors.at(0).field, "status");
  const auto renamed = read_import_line(R"({"id":42,"creator_id":")" + kCreator +
                                            R"(","title":"t","category":"pets","reward":1,)"
                                            R"("latitude":1,"longitude":2})",
                                        12, 500, 0);
  ASSERT_TRUE(renamed.row);
  EXPECT_EQ(renamed.row->source_id, "42");
  EXPECT_TRUE(gd::is_uuid(renamed.row->task.id));
}

}  // namespace
