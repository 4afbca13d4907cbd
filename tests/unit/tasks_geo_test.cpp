// Geo search against a brute-force great-circle filter: thousands of random tasks and
// queries, including the poles, the antimeridian and points exactly on the radius. Runs on
// SQLite always and on PostgreSQL when GOODDEEDS_TEST_PG_URL is set.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db_fixture.hpp"
#include "store/open.hpp"
#include "tasks/geo.hpp"
#include "tasks/task_store.hpp"

namespace {

using gd::GeoPoint;
using gd::Task;
using namespace gd::tasks;

using gd::testing::run;

struct Point {
  std::string id;
  GeoPoint grid;
  std::string category;
  std::int64_t created_at;
};

// Clusters at awkward places plus uniform noise over the globe.
std::vector<GeoPoint> random_points(std::mt19937_64& rng, int n) {
  const std::vector<GeoPoint> centres = {{52.52, 13.405}, {89.95, 0},     {-89.9, 120},
                                         {10, 179.99},    {-35, -179.95}, {0, 0}};
  std::uniform_real_distribution<double> u(-1, 1), lat(-90, 90), lng(-180, 180);
  std::vector<GeoPoint> out;
  for (int i = 0; i < n; ++i) {
    if (i % 5 == 4) {
      out.push_back({lat(rng), lng(rng)});
      continue;
    }
    const auto c = centres[static_cast<std::size_t>(i) % centres.size()];
    double la = std::clamp(c.lat + u(rng) * 0.3, -90.0, 90.0);
    double lo = c.lng + u(rng) * 0.3;
    if (lo > 180) lo -= 360;
    if (lo < -180) lo += 360;
    out.push_back({la, lo});
  }
  return out;
}

Task<std::vector<Point>> load(gd::db::Database* db, std::vector<GeoPoint> pts) {
  std::vector<Point> out;
  const std::string user = gd::uuid_v7();
  co_await db->write(
      "INSERT INTO users (id, email, name, created_at, updated_at) VALUES ($1, $2, 'geo', 0, 0)",
      gd::db::params(user, user + "@example.test"));
  co_await db->transact([&](gd::db::Tx& tx) -> Task<bool> {
    std::int64_t n = 0;
    for (const auto& p : pts) {
      const auto grid = snap_to_grid(p);
      // Three tasks per creation time, so that ties in time are broken by id.
      const std::int64_t created = ++n / 3;
      Point pt{gd::uuid_v4(), grid, n % 2 ? "other" : "pets", created};
      co_await tx.exec(
          "INSERT INTO tasks (id, creator_id, title, category, lat, lng, grid_lat, grid_lng, "
          "points_reward, status, created_at, updated_at) VALUES ($1, $2, 't', $8, $3, $4, "
          "$5, $6, 1, 'open', $7, $7)",
          gd::db::params(pt.id, user, p.lat, p.lng, grid.lat, grid.lng, created, pt.category));
      out.push_back(std::move(pt));
    }
    co_return true;
  });
  co_return out;
}

// Every page of a search, concatenated.
Task<std::vector<std::string>> search_all(TaskStore* store, SearchQuery q) {
  std::vector<std::string> ids;
  for (int pages = 0; pages < 1000; ++pages) {
    auto found = co_await store->search(q);
    const bool more = found.size() > static_cast<std::size_t>(q.limit);
    for (std::size_t i = 0; i < found.size() && i < static_cast<std::size_t>(q.limit); ++i)
      ids.push_back(found[i].task.id);
    if (!more) break;
    const auto& last = found[static_cast<std::size_t>(q.limit) - 1];
    const double key =
        q.newest ? static_cast<double>(last.task.created_at_ms) : last.sort_distance_m;
    q.after = std::make_pair(key, last.task.id);
  }
  co_return ids;
}

// Random queries (every sort, with and without a category, some with a task exactly on the
// boundary) against a brute-force answer: the same tasks in the same order across all pages.
void check_against_brute_force(gd::db::Database& db, boost::asio::io_context& ioc) {
  std::mt19937_64 rng(20261123);
  const auto points = run(ioc, load(&db, random_points(rng, 3000)));
  TaskStore store(db);
  std::uniform_int_distribution<std::size_t> pick(0, points.size() - 1);
  std::uniform_real_distribution<double> radius(1, 50000), jitter(-0.2, 0.2);
  for (int q = 0; q < 400; ++q) {
    const auto& anchor = points[pick(rng)];
    GeoPoint centre{std::clamp(anchor.grid.lat + jitter(rng), -90.0, 90.0),
                    std::remainder(anchor.grid.lng + jitter(rng), 360.0)};
    double r = radius(rng);
    // Every third query puts another task exactly on the boundary.
    if (q % 3 == 0)
      r = std::max(1.0, std::min(50000.0, haversine_m(centre, points[pick(rng)].grid)));
    SearchQuery sq;
    sq.centre = centre;
    sq.radius_m = r;
    sq.limit = 1 + static_cast<int>(rng() % 50);
    sq.newest = q % 2 == 1;
    if (q % 5 == 1) sq.category = "pets";

    struct Expected {
      double d;
      std::int64_t created;
      std::string id;
    };
    std::vector<Expected> expected;
    std::set<std::string> boundary;  // within a millimetre of the radius: either answer is fine
    for (const auto& p : points) {
      if (sq.category && p.category != *sq.category) continue;
      const double d = haversine_m(centre, p.grid);
      if (std::fabs(d - r) < 1e-3) boundary.insert(p.id);
      if (d <= r) expected.push_back({d, p.created_at, p.id});
    }
    std::sort(expected.begin(), expected.end(), [&](const Expected& a, const Expected& b) {
      if (sq.newest) return a.created != b.created ? a.created > b.created : a.id > b.id;
      return a.d != b.d ? a.d < b.d : a.id < b.id;
    });
    std::vector<std::string> want;
    for (const auto& e : expected)
      if (!boundary.count(e.id)) want.push_back(e.id);
    auto got = run(ioc, search_all(&store, sq));
    std::set<std::string> got_set(got.begin(), got.end());
    ASSERT_EQ(got_set.size(), got.size()) << "a task repeated across pages, query " << q;
    std::erase_if(got, [&](const std::string& id) { return boundary.count(id) > 0; });
    if (!sq.newest) {
      // Distances that are equal on paper (a centre on a pole) may differ in the last bits
      // between back ends: the same tasks, in distance order within a micrometre, and tasks
      // at the very same distance (one cell) in id order.
      ASSERT_EQ(std::set<std::string>(got.begin(), got.end()),
                std::set<std::string>(want.begin(), want.end()))
          << "query " << q << " radius " << r << " limit " << sq.limit;
      std::map<std::string, const Point*> by_id;
      for (const auto& p : points) by_id[p.id] = &p;
      for (std::size_t i = 1; i < got.size(); ++i) {
        const auto& a = *by_id[got[i - 1]];
        const auto& b = *by_id[got[i]];
        ASSERT_LE(haversine_m(centre, a.grid), haversine_m(centre, b.grid) + 1e-6)
            << "query " << q << " position " << i;
        if (a.grid.lat == b.grid.lat && a.grid.lng == b.grid.lng)
          ASSERT_LT(a.id, b.id) << "query " << q << " position " << i;
      }
      continue;
    }
    ASSERT_EQ(got, want) << "query " << q << " (newest) radius " << r << " limit " << sq.limit;
  }
}

TEST(GeoSearch, SqliteMatchesBruteForce) {
  gd::testing::TempSqlite s;
  check_against_brute_force(*s.db, s.ioc);
}

// The SQLite cell index (geo_cells, its R*Tree, geo_open, geo_stats) follows every kind of
// task change its triggers watch: status moves in and out of open, new categories, moves to
// another cell, deletes.
TEST(GeoSearch, SqliteCellIndexFollowsTaskChanges) {
  gd::testing::TempSqlite s;
  auto& ioc = s.ioc;
  auto& db = s.db;
  {
    std::mt19937_64 rng(7);
    std::vector<GeoPoint> pts;
    std::uniform_real_distribution<double> u(-0.01, 0.01);
    for (int i = 0; i < 400; ++i) pts.push_back({52.5 + u(rng), 13.4 + u(rng)});
    const auto points = run(ioc, load(db.get(), pts));
    const auto exec = [&](std::string sql, gd::db::Params p) {
      return run(ioc, db->write(std::move(sql), std::move(p)));
    };
    const auto scalar = [&](std::string sql) {
      return run(ioc, db->read(std::move(sql), {})).i64(0, 0);
    };
    const auto check = [&](int round) {
      // Every open task once, in its own cell; nothing else.
      EXPECT_EQ(scalar("SELECT count(*) FROM geo_open"),
                scalar("SELECT count(*) FROM tasks WHERE status = 'open'"))
          << round;
      EXPECT_EQ(scalar("SELECT count(*) FROM geo_open g JOIN tasks t ON t.id = g.task_id AND "
                       "t.seq = g.seq AND t.status = 'open' AND t.category = g.category AND "
                       "t.created_at = g.created_at JOIN geo_cells c ON c.id = g.cell AND "
                       "c.grid_lat = t.grid_lat AND c.grid_lng = t.grid_lng"),
                scalar("SELECT count(*) FROM tasks WHERE status = 'open'"))
          << round;
      // Counts are exact, empty cells are gone, the R*Tree mirrors the cells.
      EXPECT_EQ(scalar("SELECT count(*) FROM geo_cells c WHERE open_count <> (SELECT count(*) "
                       "FROM geo_open g WHERE g.cell = c.id) OR open_count <= 0"),
                0)
          << round;
      EXPECT_EQ(scalar("SELECT count(*) FROM geo_cells"), scalar("SELECT count(*) FROM "
                                                                 "geo_cells_rtree"))
          << round;
      EXPECT_EQ(scalar("SELECT count(*) FROM geo_cells c JOIN geo_cells_rtree r ON r.id = c.id "
                       "AND r.grid_lat = c.grid_lat AND r.grid_lng = c.grid_lng AND "
                       "r.open_count = c.open_count"),
                scalar("SELECT count(*) FROM geo_cells"))
          << round;
      EXPECT_EQ(scalar("SELECT open_total FROM geo_stats"),
                scalar("SELECT count(*) FROM tasks WHERE status = 'open'"))
          << round;
    };
    check(0);
    const std::vector<std::string> statuses = {"open", "assigned", "in_progress", "completed",
                                               "cancelled"};
    for (int round = 1; round <= 5; ++round) {
      for (int i = 0; i < 150; ++i) {
        const auto& p = points[rng() % points.size()];
        switch (rng() % 5) {
          case 0:
          case 1:
            exec("UPDATE tasks SET status = $2 WHERE id = $1",
                 gd::db::params(p.id, statuses[rng() % statuses.size()]));
            break;
          case 2:
            exec("UPDATE tasks SET category = $2 WHERE id = $1",
                 gd::db::params(p.id, std::string(rng() % 2 ? "garden" : "pets")));
            break;
          case 3: {
            const auto g = snap_to_grid({52.5 + u(rng), 13.4 + u(rng)});
            exec("UPDATE tasks SET grid_lat = $2, grid_lng = $3 WHERE id = $1",
                 gd::db::params(p.id, g.lat, g.lng));
            break;
          }
          default:
            exec("DELETE FROM tasks WHERE id = $1", gd::db::params(p.id));
        }
      }
      check(round);
    }
  }
}

TEST(GeoSearch, PostgresMatchesBruteForce) {
  if (!gd::testing::TempPostgres::available()) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL is not set";
  gd::testing::TempPostgres pg;
  auto db = pg.open();
  check_against_brute_force(*db, pg.ioc);
}

TEST(GeoGrid, SnapsToCellCentresAboutAQuarterKilometreApart) {
  const GeoPoint home{52.520008, 13.404954};
  const auto cell = snap_to_grid(home);
  EXPECT_LT(haversine_m(home, cell), 180.0);
  // Every point in the same cell snaps to the same centre.
  EXPECT_EQ(snap_to_grid(cell).lat, cell.lat);
  EXPECT_EQ(snap_to_grid(cell).lng, cell.lng);
  // Near the poles and the antimeridian the centre is still a valid coordinate.
  for (GeoPoint p : {GeoPoint{90, 180}, GeoPoint{-90, -180}, GeoPoint{89.9999, 179.9999}}) {
    const auto c = snap_to_grid(p);
    EXPECT_TRUE(gd::valid_point(c.lat, c.lng)) << c.lat << "," << c.lng;
  }
}

}  // namespace
