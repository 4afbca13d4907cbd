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
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/open.hpp"
#include "tasks/geo.hpp"
#include "tasks/task_store.hpp"

namespace {

using gd::GeoPoint;
using gd::Task;
using namespace gd::tasks;

template <class T>
T run(boost::asio::io_context& ioc, Task<T> task) {
  auto f = boost::asio::co_spawn(ioc, std::move(task), boost::asio::use_future);
  ioc.restart();
  ioc.run();
  return f.get();
}

struct Point {
  std::string id;
  GeoPoint grid;
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
      Point pt{gd::uuid_v7(), grid};
      const std::int64_t created = ++n;
      co_await tx.exec(
          "INSERT INTO tasks (id, creator_id, title, category, lat, lng, grid_lat, grid_lng, "
          "points_reward, status, created_at, updated_at) VALUES ($1, $2, 't', 'other', $3, $4, "
          "$5, $6, 1, 'open', $7, $7)",
          gd::db::params(pt.id, user, p.lat, p.lng, grid.lat, grid.lng, created));
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
    q.after = std::make_pair(last.sort_distance_m, last.task.id);
  }
  co_return ids;
}

void check_against_brute_force(gd::db::Database& db, boost::asio::io_context& ioc) {
  std::mt19937_64 rng(20261123);
  const auto points = run(ioc, load(&db, random_points(rng, 3000)));
  TaskStore store(db);
  std::uniform_int_distribution<std::size_t> pick(0, points.size() - 1);
  std::uniform_real_distribution<double> radius(1, 50000), jitter(-0.2, 0.2);
  for (int q = 0; q < 300; ++q) {
    const auto& anchor = points[pick(rng)];
    GeoPoint centre{std::clamp(anchor.grid.lat + jitter(rng), -90.0, 90.0),
                    std::remainder(anchor.grid.lng + jitter(rng), 360.0)};
    double r = radius(rng);
    // Every third query puts another task exactly on the boundary.
    if (q % 3 == 0)
      r = std::max(1.0, std::min(50000.0, haversine_m(centre, points[pick(rng)].grid)));
    std::set<std::string> expected;
    std::set<std::string> boundary;  // within a millimetre of the radius: either answer is fine
    for (const auto& p : points) {
      const double d = haversine_m(centre, p.grid);
      if (d <= r) expected.insert(p.id);
      if (std::fabs(d - r) < 1e-3) boundary.insert(p.id);
    }
    SearchQuery sq;
    sq.centre = centre;
    sq.radius_m = r;
    sq.limit = 50;
    const auto got = run(ioc, search_all(&store, sq));
    std::set<std::string> got_set(got.begin(), got.end());
    ASSERT_EQ(got_set.size(), got.size()) << "a task repeated across pages, query " << q;
    for (const auto& id : expected)
      if (!boundary.count(id)) ASSERT_TRUE(got_set.count(id)) << "missed a task, query " << q;
    for (const auto& id : got_set)
      if (!boundary.count(id)) ASSERT_TRUE(expected.count(id)) << "extra task, query " << q;
  }
}

TEST(GeoSearch, SqliteMatchesBruteForce) {
  const auto dir = std::filesystem::temp_directory_path() / ("gd-geo-" + gd::uuid_v4());
  std::filesystem::create_directories(dir);
  {
    const std::string url = "sqlite:" + (dir / "geo.db").string();
    gd::db::migrate(url);
    boost::asio::io_context ioc;
    auto db = gd::db::open_database(ioc.get_executor(), {url});
    check_against_brute_force(*db, ioc);
  }
  std::filesystem::remove_all(dir);
}

TEST(GeoSearch, PostgresMatchesBruteForce) {
  const char* admin = std::getenv("GOODDEEDS_TEST_PG_URL");
  if (!admin) GTEST_SKIP() << "GOODDEEDS_TEST_PG_URL is not set";
  const std::string name = "gd_geo_" + std::to_string(gd::now_ms());
  std::string base(admin);
  const auto slash = base.rfind('/');
  const std::string url = base.substr(0, slash + 1) + name;
  ASSERT_EQ(std::system(("psql '" + base + "' -q -c 'CREATE DATABASE " + name + "'").c_str()), 0);
  {
    gd::db::migrate(url);
    boost::asio::io_context ioc;
    auto db = gd::db::open_database(ioc.get_executor(), {url, 2});
    check_against_brute_force(*db, ioc);
  }
  std::system(("psql '" + base + "' -q -c 'DROP DATABASE " + name + " WITH (FORCE)'").c_str());
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
