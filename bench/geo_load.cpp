// Bulk loader for the geo search benchmark: writes N open tasks spread uniformly over a
// square around a centre straight into the database (SQLite: one prepared INSERT in large
// transactions, so the R*Tree triggers run as in production; PostgreSQL: COPY), bypassing
// HTTP. The database must be migrated and hold the creator user.
//
//   geo_load --database URL --creator USER_ID [--tasks N] [--lat 52.52 --lng 13.405]
//            [--span-km 30] [--seed 1]
#include <libpq-fe.h>
#include <sqlite3.h>

#include <fmt/format.h>
#include <array>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "tasks/geo.hpp"

namespace {

namespace po = boost::program_options;
using gd::GeoPoint;

constexpr std::array<const char*, 8> kCategories = {"shopping",  "transport", "garden",  "repairs",
                                                    "tech_help", "pets",      "company", "other"};

struct Row {
  std::string id;
  const char* category;
  GeoPoint at, grid;
  std::int64_t reward, created_at;
};

class Generator {
 public:
  Generator(GeoPoint centre, double span_km, unsigned seed) : centre_(centre), rng_(seed) {
    constexpr double kDeg = 180.0 / 3.14159265358979323846;
    const double half_m = span_km * 500.0;
    dlat_ = half_m / gd::tasks::kEarthRadiusM * kDeg;
    dlng_ = dlat_ / std::cos(centre.lat / kDeg);
  }
  Row next() {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Row r;
    r.id = gd::uuid_v4();
    r.category = kCategories[rng_() % kCategories.size()];
    r.at = {centre_.lat + u(rng_) * dlat_, centre_.lng + u(rng_) * dlng_};
    r.grid = gd::tasks::snap_to_grid(r.at);
    r.reward = 10 + static_cast<std::int64_t>(rng_() % 90);
    // Spread over the last 30 days.
    r.created_at = now_ - static_cast<std::int64_t>(rng_() % (30LL * 24 * 3600 * 1000));
    return r;
  }

 private:
  GeoPoint centre_;
  std::mt19937_64 rng_;
  double dlat_ = 0, dlng_ = 0;
  std::int64_t now_ = gd::now_ms();
};

void check_sqlite(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(fmt::format("{}: {}", what, sqlite3_errmsg(db)));
}

void load_sqlite(const std::string& path, const std::string& creator, Generator& gen, long n) {
  sqlite3* db = nullptr;
  check_sqlite(sqlite3_open(path.c_str(), &db), db, "open");
  sqlite3_busy_timeout(db, 10000);
  check_sqlite(sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576", nullptr,
                            nullptr, nullptr),
               db, "pragma");
  sqlite3_stmt* st = nullptr;
  check_sqlite(
      sqlite3_prepare_v2(db,
                         "INSERT INTO tasks (id, creator_id, title, description, category, lat, "
                         "lng, grid_lat, grid_lng, points_reward, status, image_urls, created_at, "
                         "updated_at) VALUES (?1, ?2, 'Help wanted', 'A benchmark task', ?3, ?4, "
                         "?5, ?6, ?7, ?8, 'open', '[]', ?9, ?9)",
                         -1, &st, nullptr),
      db, "prepare");
  for (long i = 0; i < n; ++i) {
    if (i % 100000 == 0) {
      if (i) check_sqlite(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
      check_sqlite(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    }
    const Row r = gen.next();
    sqlite3_bind_text(st, 1, r.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, creator.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r.category, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 4, r.at.lat);
    sqlite3_bind_double(st, 5, r.at.lng);
    sqlite3_bind_double(st, 6, r.grid.lat);
    sqlite3_bind_double(st, 7, r.grid.lng);
    sqlite3_bind_int64(st, 8, r.reward);
    sqlite3_bind_int64(st, 9, r.created_at);
    check_sqlite(sqlite3_step(st), db, "insert");
    sqlite3_reset(st);
  }
  check_sqlite(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  check_sqlite(sqlite3_exec(db, "ANALYZE", nullptr, nullptr, nullptr), db, "analyze");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

void check_pg(PGresult* r, PGconn* c, ExecStatusType want, const char* what) {
  const bool ok = PQresultStatus(r) == want;
  PQclear(r);
  if (!ok) throw std::runtime_error(fmt::format("{}: {}", what, PQerrorMessage(c)));
}

void load_postgres(const std::string& url, const std::string& creator, Generator& gen, long n) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK)
    throw std::runtime_error(fmt::format("connect: {}", PQerrorMessage(c)));
  check_pg(
      PQexec(c,
             "COPY tasks (id, creator_id, title, description, category, lat, lng, grid_lat, "
             "grid_lng, points_reward, status, image_urls, created_at, updated_at) FROM STDIN"),
      c, PGRES_COPY_IN, "copy");
  std::string buf;
  for (long i = 0; i < n; ++i) {
    const Row r = gen.next();
    fmt::format_to(
        std::back_inserter(buf),
        "{}\t{}\tHelp wanted\tA benchmark task\t{}\t{}\t{}\t{}\t{}\t{}\topen\t[]\t{}\t{}\n", r.id,
        creator, r.category, r.at.lat, r.at.lng, r.grid.lat, r.grid.lng, r.reward, r.created_at,
        r.created_at);
    if (buf.size() > (1 << 20) || i + 1 == n) {
      if (PQputCopyData(c, buf.data(), static_cast<int>(buf.size())) != 1)
        throw std::runtime_error(fmt::format("copy data: {}", PQerrorMessage(c)));
      buf.clear();
    }
  }
  if (PQputCopyEnd(c, nullptr) != 1)
    throw std::runtime_error(fmt::format("copy end: {}", PQerrorMessage(c)));
  check_pg(PQgetResult(c), c, PGRES_COMMAND_OK, "copy result");
  check_pg(PQexec(c, "VACUUM ANALYZE tasks"), c, PGRES_COMMAND_OK, "analyze");
  PQfinish(c);
}

}  // namespace

int main(int argc, char** argv) {
  std::string database, creator;
  long tasks = 1000000;
  double lat = 52.52, lng = 13.405, span_km = 30;
  unsigned seed = 1;
  po::options_description opts("geo_load options");
  opts.add_options()("help", "this text")("database", po::value(&database)->required(),
                                          "sqlite:PATH or postgres://...")(
      "creator", po::value(&creator)->required(), "id of an existing user")(
      "tasks", po::value(&tasks), "how many tasks (default 1000000)")(
      "lat", po::value(&lat), "centre latitude (default 52.52)")(
      "lng", po::value(&lng), "centre longitude (default 13.405)")(
      "span-km", po::value(&span_km), "side of the square in km (default 30)")(
      "seed", po::value(&seed), "random seed (default 1)");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, opts), vm);
    if (vm.count("help")) {
      std::cout << opts << "\n";
      return 0;
    }
    po::notify(vm);
    Generator gen({lat, lng}, span_km, seed);
    const auto start = std::chrono::steady_clock::now();
    if (database.starts_with("sqlite:"))
      load_sqlite(database.substr(7), creator, gen, tasks);
    else
      load_postgres(database, creator, gen, tasks);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::cerr << fmt::format("geo_load: {} tasks in {:.1f} s\n", tasks, took.count());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "geo_load: " << e.what() << "\n";
    return 1;
  }
}
