// Geo search: open tasks within a radius, nearest or newest first, keyset-paginated.
// PostgreSQL: PostGIS (a GiST index on the snapped point, KNN order). SQLite: an R*Tree over
// the occupied privacy-grid cells and a table of open tasks clustered by (cell, id); see
// migrations/sqlite/0005_geo_search.sql.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "tasks/geo.hpp"
#include "tasks/task_store.hpp"

namespace gd::tasks {
namespace {

// A search hit before its row is read: what ordering and paging need.
struct Candidate {
  std::int64_t seq;
  double distance_m;  // from the centre to the snapped point
  std::int64_t created_at;
  std::string id;
};

// Total order of results: nearest first, ties by id; or newest first, ties by id descending.
struct KeyLess {
  bool newest;
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (newest) {
      if (a.created_at != b.created_at) return a.created_at > b.created_at;
      return a.id > b.id;
    }
    if (a.distance_m != b.distance_m) return a.distance_m < b.distance_m;
    return a.id < b.id;
  }
};

struct Cell {
  std::int64_t id;
  double distance_m;
  std::int64_t open_count;
};

// Occupied cells whose centre lies in a box. The box columns are 32-bit floats widened
// outwards, so they only pre-filter; the exact centre rides along.
constexpr const char* kCellsInBox =
    "SELECT id, grid_lat, grid_lng, open_count FROM geo_cells_rtree WHERE max_lat >= $1 AND "
    "min_lat <= $2 AND max_lng >= $3 AND min_lng <= $4";
// One cell's open tasks in id order, after an id.
constexpr const char* kCellTasks =
    "SELECT seq, task_id, created_at FROM geo_open WHERE cell = $1 AND ($2 = '' OR category = $2) "
    "AND task_id > $3 ORDER BY task_id LIMIT $4";
// Newest first over many candidates: open tasks by creation time through the covering
// partial index, filtered to the latitude band in SQL and to the circle here.
constexpr const char* kNewestWalk =
    "SELECT seq, grid_lat, grid_lng, created_at, id FROM tasks INDEXED BY tasks_open_newest "
    "WHERE status = 'open' AND grid_lat >= $1 AND grid_lat <= $2 AND ($3 = '' OR category = $3) "
    "AND (created_at, id) < ($4, $5) ORDER BY created_at DESC, id DESC";

// The full rows of a page of candidates, in the candidates' order. A task that changed since
// its candidate was read is returned as it is now.
Task<std::vector<Found>> rows_by_seq(db::Database& db, std::vector<Candidate> page) {
  std::vector<Found> out;
  if (page.empty()) co_return out;
  const std::string sql = std::string("SELECT ") + kTaskColumns +
                          ", t.seq FROM tasks t WHERE t.seq IN (" +
                          db::placeholders(1, page.size()) + ")";
  db::Params params;
  params.reserve(page.size());
  std::unordered_map<std::int64_t, std::size_t> slot_of;
  slot_of.reserve(page.size());
  for (std::size_t i = 0; i < page.size(); ++i) {
    params.emplace_back(page[i].seq);
    slot_of.emplace(page[i].seq, i);
  }
  // Straight from the statement into the tasks, in the candidates' order.
  std::vector<std::optional<HelpTask>> slots(page.size());
  const db::Database::RowFn take = [&](const db::RowView& row) {
    const auto it = slot_of.find(row.i64(kTaskColumnCount));
    if (it != slot_of.end()) slots[it->second] = task_from_row(row);
    return true;
  };
  co_await db.scan(sql, std::move(params), take);
  out.reserve(page.size());
  for (std::size_t i = 0; i < page.size(); ++i)
    if (slots[i]) out.push_back({std::move(*slots[i]), page[i].distance_m});
  co_return out;
}

// Searches one SQLite database for one query.
class SqliteSearch {
 public:
  SqliteSearch(db::Database& db, const SearchQuery& q)
      : db_(db),
        q_(q),
        less_{q.newest},
        category_(q.category.value_or("")),
        want_(static_cast<std::size_t>(q.limit) + 1) {
    if (q.after) {
      after_ =
          Candidate{0, q.after->first, static_cast<std::int64_t>(q.after->first), q.after->second};
    }
  }

  // Nearest first: cells in order of distance over a growing circle (300 m, doubling up to
  // the radius); within a cell every task is at one distance, so tasks come in id order
  // straight from the clustered table. Stops at the first page-full.
  Task<std::vector<Candidate>> nearest() {
    double done = -1;  // every cell within this distance has been read
    double r = std::min(q_.radius_m, 300.0);
    if (after_) r = std::min(q_.radius_m, std::max(r, after_->distance_m * 1.25));
    for (;;) {
      auto cells = co_await cells_within(r, done);
      std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
        return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.id < b.id;
      });
      // Cells at one distance (rare, but a centre can lie exactly between two) form a group
      // whose tasks merge by id.
      for (std::size_t g = 0; g < cells.size() && hits_.size() < want_;) {
        std::size_t end = g + 1;
        while (end < cells.size() && cells[end].distance_m == cells[g].distance_m) ++end;
        const std::size_t before = hits_.size();
        for (std::size_t i = g; i < end; ++i) co_await read_cell(cells[i], want_ - before);
        std::sort(hits_.begin() + static_cast<std::ptrdiff_t>(before), hits_.end(), less_);
        if (hits_.size() > want_) hits_.resize(want_);
        g = end;
      }
      if (hits_.size() >= want_ || r >= q_.radius_m) break;
      done = r;
      r = std::min(q_.radius_m, r * 2);
    }
    co_return std::move(hits_);
  }

  // Newest first: either every task of the circle's cells, sorted here, or a walk over open
  // tasks by creation time that stops at the first page-full inside the circle, whichever
  // reads less. The walk reads about want * (open tasks) / (tasks in the circle) rows.
  Task<std::vector<Candidate>> newest() {
    constexpr std::size_t kMaxCells = 400;
    auto cells = co_await cells_within(q_.radius_m, -1, kMaxCells + 1);
    double tasks = 0;
    for (const auto& c : cells) tasks += static_cast<double>(c.open_count);
    bool walk = cells.size() > kMaxCells;
    if (!walk) {
      const auto total = co_await db_.read("SELECT open_total FROM geo_stats", db::Params());
      const double open = total.empty() ? 0 : static_cast<double>(total.i64(0, 0));
      // Rough costs in row reads: a statement per cell plus its tasks, against the walk.
      const double in_cells = 20.0 * static_cast<double>(cells.size()) + tasks;
      const double walking = static_cast<double>(want_) * open / std::max(tasks, 1.0);
      walk = walking < in_cells;
    }
    if (!walk) {
      for (const auto& c : cells) co_await read_cell(c, std::numeric_limits<std::size_t>::max());
      std::erase_if(hits_, [&](const Candidate& c) { return after_ && !less_(*after_, c); });
      const auto keep = std::min(hits_.size(), want_);
      std::partial_sort(hits_.begin(), hits_.begin() + static_cast<std::ptrdiff_t>(keep),
                        hits_.end(), less_);
      hits_.resize(keep);
      co_return std::move(hits_);
    }
    double min_lat = 90, max_lat = -90;
    for (const auto& box : bounding_boxes(q_.centre, q_.radius_m)) {
      min_lat = std::min(min_lat, box.min_lat);
      max_lat = std::max(max_lat, box.max_lat);
    }
    const std::int64_t before_time =
        after_ ? after_->created_at : std::numeric_limits<std::int64_t>::max();
    const std::string before_id = after_ ? after_->id : std::string();
    const db::Database::RowFn take = [&](const db::RowView& row) {
      const double d = haversine_m(q_.centre, {row.f64(1), row.f64(2)});
      if (d > q_.radius_m) return true;
      hits_.push_back({row.i64(0), d, row.i64(3), std::string(row.text(4))});
      return hits_.size() < want_;
    };
    auto params = db::params(min_lat, max_lat, category_, before_time, before_id);
    co_await db_.scan(kNewestWalk, std::move(params), take);
    co_return std::move(hits_);
  }

 private:
  // Occupied cells with done < distance <= r, at most `cap` of them.
  Task<std::vector<Cell>> cells_within(double r, double done,
                                       std::size_t cap = std::numeric_limits<std::size_t>::max()) {
    std::vector<Cell> cells;
    const db::Database::RowFn take = [&](const db::RowView& row) {
      const double d = haversine_m(q_.centre, {row.f64(1), row.f64(2)});
      if (d > r || d <= done) return true;
      if (after_ && !q_.newest && d < after_->distance_m) return true;
      cells.push_back({row.i64(0), d, row.i64(3)});
      return cells.size() < cap;
    };
    for (const auto& box : bounding_boxes(q_.centre, r)) {
      auto params = db::params(box.min_lat, box.max_lat, box.min_lng, box.max_lng);
      co_await db_.scan(kCellsInBox, std::move(params), take);
      if (cells.size() >= cap) break;
    }
    co_return cells;
  }

  // Up to `limit` of a cell's tasks that follow the cursor, appended to hits_ in id order.
  Task<void> read_cell(const Cell& cell, std::size_t limit) {
    // Nearest first: in the cursor's own cell, only ids after the cursor's.
    std::string after_id;
    if (after_ && !q_.newest && cell.distance_m == after_->distance_m) after_id = after_->id;
    const auto n = static_cast<std::int64_t>(
        std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
    const db::Database::RowFn take = [&](const db::RowView& row) {
      hits_.push_back({row.i64(0), cell.distance_m, row.i64(2), std::string(row.text(1))});
      return true;
    };
    auto params = db::params(cell.id, category_, after_id, n);
    co_await db_.scan(kCellTasks, std::move(params), take);
  }

  db::Database& db_;
  const SearchQuery& q_;
  KeyLess less_;
  std::string category_;
  std::size_t want_;
  std::optional<Candidate> after_;
  std::vector<Candidate> hits_;
};

}  // namespace

Task<std::vector<Found>> TaskStore::search(SearchQuery q) {
  if (db_.dialect() == db::Dialect::kPostgres) co_return co_await search_postgres(std::move(q));
  co_return co_await search_sqlite(std::move(q));
}

Task<std::vector<Found>> TaskStore::search_sqlite(SearchQuery q) {
  SqliteSearch search(db_, q);
  auto page = q.newest ? co_await search.newest() : co_await search.nearest();
  co_return co_await rows_by_seq(db_, std::move(page));
}

namespace {

// PostgreSQL search SQL. $1 lat, $2 lng, $3 radius, $4 category or '', $5 1 when a cursor
// follows: $6 its key (distance or time) and $7 its id; $8 the row limit. Membership and
// order use the sphere distance `<->` (PostGIS's KNN operator); ST_DWithin with a millimetre
// of slack gives the planner the GiST index condition.
const std::string kPoint = "ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography";
const std::string kDist = "(t.grid_geog <-> " + kPoint + ")";
const std::string kWithin = "t.status = 'open' AND ST_DWithin(t.grid_geog, " + kPoint +
                            ", $3 + 0.001, false) AND " + kDist +
                            " <= $3 AND ($4 = '' OR t.category = $4)";
// Ids compare bytewise (COLLATE "C"), as the SQLite search and the cursor code do.
const std::string kAfterNearest =
    "($5 = 0 OR " + kDist + " > $6 OR (" + kDist + " = $6 AND t.id COLLATE \"C\" > $7))";
const std::string kAfterNewest =
    "($5 = 0 OR (t.created_at, t.id COLLATE \"C\") < ($6::bigint, $7))";

// Nearest first: a KNN index scan finds the distance of the last row of the page (the cut);
// then every row up to the cut, ordered with its id tie-break (a whole cell of tasks shares
// one distance), so the page is exact and costs about one page of index entries. The KNN
// scan carries no radius condition (it is applied to the page it returns): with one, the
// custom plans a connection makes for its first executions chose a bitmap scan of every
// task in the circle (~0.2 s at 2 km over 10^6 tasks) instead of the KNN scan (~1 ms).
const std::string kPgNearestKnn = "SELECT " + kDist +
                                  " AS d FROM tasks t WHERE t.status = 'open' AND ($4 = '' OR "
                                  "t.category = $4) AND " +
                                  kAfterNearest + " ORDER BY " + kDist + " LIMIT $8";
const std::string kPgNearest =
    "WITH cut AS (SELECT max(k.d) AS d FROM (" + kPgNearestKnn + ") k WHERE k.d <= $3) SELECT " +
    kTaskColumns + ", " + kDist +
    " AS d FROM cut, tasks t WHERE cut.d IS NOT NULL AND t.status = 'open' AND ($4 = '' OR "
    "t.category = $4) AND ST_DWithin(t.grid_geog, " +
    kPoint + ", cut.d + 0.001, false) AND " + kDist + " <= cut.d AND " + kAfterNearest +
    " ORDER BY d, t.id COLLATE \"C\" LIMIT $8";

// Newest first. The KNN scan of the first page of nearest tasks tells how crowded the
// circle is (kPgNearestCut: the 51st-nearest distance and how many were found)...
const std::string kPgNearestCut =
    "SELECT max(k.d), count(*) FROM (SELECT " + kDist +
    " AS d FROM tasks t WHERE t.status = 'open' AND ($4 = '' OR t.category = $4) ORDER BY " +
    kDist + " LIMIT 51) k WHERE k.d <= $3";
// ...few tasks: all of them through the GiST index, sorted (`+ 0` keeps the planner off the
// time index)...
const std::string kPgNewestFew =
    "SELECT t.id, " + kDist + " FROM tasks t WHERE " + kWithin + " AND " + kAfterNewest +
    " ORDER BY t.created_at + 0 DESC, t.id COLLATE \"C\" DESC LIMIT $8";
// ...many: open tasks by creation time, an index-only walk filtered to the circle.
const std::string kPgNewestWalk = "SELECT t.id, " + kDist +
                                  " FROM tasks t WHERE t.status = 'open' AND " + kDist +
                                  " <= $3 AND ($4 = '' OR t.category = $4) AND " + kAfterNewest +
                                  " ORDER BY t.created_at DESC, t.id COLLATE \"C\" DESC LIMIT $8";
// Above this many estimated tasks in the circle, walking by time reads fewer rows.
constexpr double kPgNewestWalkAbove = 2000;

std::vector<Found> found_rows(const db::Rows& r) {
  std::vector<Found> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back({task_from_row(r, i), r.f64(i, kTaskColumnCount)});
  return out;
}

}  // namespace

Task<std::vector<Found>> TaskStore::search_postgres(SearchQuery q) {
  const bool has_after = q.after.has_value();
  db::Value after_key = q.newest ? db::Value(std::int64_t{0}) : db::Value(0.0);
  if (has_after)
    after_key =
        q.newest ? db::Value(static_cast<std::int64_t>(q.after->first)) : db::Value(q.after->first);
  const auto params = [&](std::int64_t limit) {
    return db::params(q.centre.lat, q.centre.lng, q.radius_m, q.category.value_or(""),
                      std::int64_t{has_after}, after_key,
                      has_after ? q.after->second : std::string(), limit);
  };
  const std::int64_t want = q.limit + 1;
  if (!q.newest) co_return found_rows(co_await db_.read(kPgNearest, params(want)));

  // The first four parameters only: the cut query has no cursor or limit.
  auto cut_params = params(want);
  cut_params.resize(4);
  const auto cut = co_await db_.read(kPgNearestCut, std::move(cut_params));
  bool crowded = false;
  if (cut.i64(0, 1) >= 51) {
    const double ratio = q.radius_m / std::max(cut.f64(0, 0), 1.0);
    crowded = 51.0 * ratio * ratio > kPgNewestWalkAbove;
  }
  const auto page = co_await db_.read(crowded ? kPgNewestWalk : kPgNewestFew, params(want));
  std::string ids;
  for (int i = 0; i < page.size(); ++i) ids += (i ? "," : "") + page.str(i, 0);
  auto by_id = db::params(ids);
  const auto rows =
      co_await db_.read(std::string("SELECT ") + kTaskColumns +
                            " FROM tasks t WHERE t.id = ANY(string_to_array($1, ','))",
                        std::move(by_id));
  std::unordered_map<std::string_view, int> row_of;
  for (int i = 0; i < rows.size(); ++i) row_of.emplace(rows.text(i, 0), i);
  std::vector<Found> out;
  for (int i = 0; i < page.size(); ++i)
    if (const auto it = row_of.find(page.text(i, 0)); it != row_of.end())
      out.push_back({task_from_row(rows, it->second), page.f64(i, 1)});
  co_return out;
}

}  // namespace gd::tasks
