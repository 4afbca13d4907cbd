// Task SQL. Everything but geo search is shared text; search differs per back end.
#include "tasks/task_store.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "tasks/geo.hpp"

namespace gd::tasks {

const char* const kTaskColumns =
    "t.id, t.creator_id, t.helper_id, t.project_id, t.title, t.description, t.category, t.lat, "
    "t.lng, t.grid_lat, t.grid_lng, t.points_reward, t.status, t.image_urls, t.created_at, "
    "t.updated_at, t.completed_at";
const char* const kTaskColumnsBare =
    "id, creator_id, helper_id, project_id, title, description, category, lat, lng, grid_lat, "
    "grid_lng, points_reward, status, image_urls, created_at, updated_at, completed_at";

namespace {

std::vector<std::string> parse_urls(std::string_view json) {
  std::vector<std::string> out;
  if (json == "[]") return out;  // most tasks: no parse
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.as_array())
    if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

// Row i of a materialised result, read through the streaming interface.
class RowOf final : public db::RowView {
 public:
  RowOf(const db::Rows& rows, int i) : rows_(rows), i_(i) {}
  bool is_null(int c) const override { return rows_.is_null(i_, c); }
  std::string_view text(int c) const override { return rows_.text(i_, c); }
  std::int64_t i64(int c) const override { return rows_.i64(i_, c); }
  double f64(int c) const override { return rows_.f64(i_, c); }

 private:
  const db::Rows& rows_;
  int i_;
};

Application application_from_row(const db::Rows& r, int i) {
  return {r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), application_status_from(r.text(i, 4)),
          r.i64(i, 5)};
}

constexpr const char* kApplicationColumns =
    "id, task_id, applicant_id, message, status, created_at FROM task_applications";

}  // namespace

std::string image_urls_json(const std::vector<std::string>& urls) {
  boost::json::array a;
  for (const auto& u : urls) a.emplace_back(u);
  return boost::json::serialize(a);
}

HelpTask task_from_row(const db::RowView& r, int c) {
  HelpTask t;
  t.id = r.text(c + 0);
  t.creator_id = r.text(c + 1);
  if (!r.is_null(c + 2)) t.helper_id = std::string(r.text(c + 2));
  if (!r.is_null(c + 3)) t.project_id = std::string(r.text(c + 3));
  t.title = r.text(c + 4);
  t.description = r.text(c + 5);
  t.category = r.text(c + 6);
  t.location = {r.f64(c + 7), r.f64(c + 8)};
  t.grid = {r.f64(c + 9), r.f64(c + 10)};
  t.points_reward = r.i64(c + 11);
  t.status = parse_status(r.text(c + 12)).value_or(Status::kOpen);
  t.image_urls = parse_urls(r.text(c + 13));
  t.created_at_ms = r.i64(c + 14);
  t.updated_at_ms = r.i64(c + 15);
  if (!r.is_null(c + 16)) t.completed_at_ms = r.i64(c + 16);
  return t;
}

HelpTask task_from_row(const db::Rows& r, int i, int c) {
  return task_from_row(RowOf(r, i), c);
}

namespace {

constexpr const char* kInsertTask =
    "INSERT INTO tasks (id, creator_id, helper_id, project_id, title, description, category, "
    "lat, lng, grid_lat, grid_lng, points_reward, status, image_urls, created_at, updated_at) "
    "VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $13, $13)";

db::Params insert_params(const HelpTask& t) {
  return db::params(t.id, t.creator_id, db::opt(t.project_id), t.title, t.description, t.category,
                    t.location.lat, t.location.lng, t.grid.lat, t.grid.lng, t.points_reward,
                    image_urls_json(t.image_urls), t.created_at_ms);
}

}  // namespace

Task<void> TaskStore::insert(HelpTask t) {
  co_await db_.write(kInsertTask, insert_params(t));
}

Task<void> TaskStore::insert(db::Tx& tx, const HelpTask& t) {
  co_await tx.exec(kInsertTask, insert_params(t));
}

Task<std::optional<HelpTask>> TaskStore::find(std::string id) {
  auto r =
      co_await db_.read(std::string("SELECT ") + kTaskColumns + " FROM tasks t WHERE t.id = $1",
                        db::params(std::move(id)));
  if (r.empty()) co_return std::nullopt;
  co_return task_from_row(r, 0);
}

Task<std::optional<HelpTask>> TaskStore::find(db::Tx& tx, std::string id) {
  auto r = co_await tx.exec(std::string("SELECT ") + kTaskColumns + " FROM tasks t WHERE t.id = $1",
                            db::params(std::move(id)));
  if (r.empty()) co_return std::nullopt;
  co_return task_from_row(r, 0);
}

Task<bool> TaskStore::is_deleted(db::Tx& tx, std::string id) {
  auto r = co_await tx.exec("SELECT is_deleted FROM tasks WHERE id = $1", db::params(id));
  co_return !r.empty() && r.i64(0, 0) != 0;
}

Task<void> TaskStore::mark_deleted(db::Tx& tx, std::string id, std::int64_t now_ms) {
  co_await tx.exec("UPDATE tasks SET is_deleted = 1, updated_at = $2 WHERE id = $1",
                   db::params(id, now_ms));
}

Task<void> TaskStore::set_project(db::Tx& tx, std::string id, std::optional<std::string> project,
                                  std::int64_t now_ms) {
  co_await tx.exec("UPDATE tasks SET project_id = $2, updated_at = $3 WHERE id = $1",
                   db::params(id, db::opt(project), now_ms));
}

Task<void> TaskStore::detach_project(db::Tx& tx, std::string project, std::int64_t now_ms) {
  co_await tx.exec("UPDATE tasks SET project_id = NULL, updated_at = $2 WHERE project_id = $1",
                   db::params(project, now_ms));
}

Task<bool> TaskStore::has_applied(std::string task_id, std::string user_id) {
  auto r =
      co_await db_.read("SELECT 1 FROM task_applications WHERE task_id = $1 AND applicant_id = $2",
                        db::params(std::move(task_id), std::move(user_id)));
  co_return !r.empty();
}

namespace {

// UPDATE ... WHERE the task is still open and the caller's, returning the row.
std::pair<std::string, db::Params> patch_statement(std::string id, std::string creator_id,
                                                   const TaskPatch& p) {
  const auto grid = p.location ? std::optional<GeoPoint>(snap_to_grid(*p.location)) : std::nullopt;
  const auto num = [](std::optional<double> v) { return v ? db::Value(*v) : db::null(); };
  return {std::string("UPDATE tasks SET title = COALESCE($3, title), "
                      "description = COALESCE($4, description), category = COALESCE($5, category), "
                      "lat = COALESCE($6, lat), lng = COALESCE($7, lng), "
                      "grid_lat = COALESCE($8, grid_lat), grid_lng = COALESCE($9, grid_lng), "
                      "points_reward = COALESCE($10, points_reward), "
                      "image_urls = COALESCE($11, image_urls), updated_at = $12 "
                      "WHERE id = $1 AND creator_id = $2 AND status = 'open' RETURNING ") +
              kTaskColumnsBare,
          db::params(
              std::move(id), std::move(creator_id), db::opt(p.title), db::opt(p.description),
              db::opt(p.category), num(p.location ? std::optional(p.location->lat) : std::nullopt),
              num(p.location ? std::optional(p.location->lng) : std::nullopt),
              num(grid ? std::optional(grid->lat) : std::nullopt),
              num(grid ? std::optional(grid->lng) : std::nullopt),
              p.points_reward ? db::Value(*p.points_reward) : db::null(),
              p.image_urls ? db::Value(image_urls_json(*p.image_urls)) : db::null(), now_ms())};
}

}  // namespace

Task<std::optional<HelpTask>> TaskStore::patch_open(std::string id, std::string creator_id,
                                                    TaskPatch p) {
  auto [sql, params] = patch_statement(std::move(id), std::move(creator_id), p);
  auto r = co_await db_.write(std::move(sql), std::move(params));
  if (r.empty()) co_return std::nullopt;
  co_return task_from_row(r, 0);
}

Task<bool> TaskStore::patch_open(db::Tx& tx, std::string id, std::string creator_id,
                                 const TaskPatch& p) {
  auto [sql, params] = patch_statement(std::move(id), std::move(creator_id), p);
  auto r = co_await tx.exec(std::move(sql), std::move(params));
  co_return !r.empty();
}

Task<std::vector<HelpTask>> TaskStore::list_for_user(
    std::string user_id, std::string role, std::optional<std::string> status, int limit,
    std::optional<std::pair<std::int64_t, std::string>> after) {
  std::string who = role == "creator"  ? "t.creator_id = $1"
                    : role == "helper" ? "t.helper_id = $1"
                                       : "(t.creator_id = $1 OR t.helper_id = $1)";
  auto r = co_await db_.read(
      std::string("SELECT ") + kTaskColumns + " FROM tasks t WHERE " + who +
          " AND ($2 = '' OR t.status = $2) AND ($3 = 0 OR t.created_at < $4 OR "
          "(t.created_at = $4 AND t.id < $5)) ORDER BY t.created_at DESC, t.id DESC LIMIT $6",
      db::params(std::move(user_id), status.value_or(""), std::int64_t{after.has_value()},
                 after ? after->first : 0, after ? after->second : std::string(),
                 std::int64_t{limit + 1}));
  std::vector<HelpTask> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(task_from_row(r, i));
  co_return out;
}

Task<bool> TaskStore::insert_application(db::Tx& tx, const Application& a) {
  // ON CONFLICT: a unique violation would abort a PostgreSQL transaction.
  const auto r = co_await tx.exec(
      "INSERT INTO task_applications (id, task_id, applicant_id, message, status, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5) ON CONFLICT DO NOTHING",
      db::params(a.id, a.task_id, a.applicant_id, a.message, a.created_at_ms));
  co_return r.affected() == 1;
}

Task<std::vector<Application>> TaskStore::applications(
    std::string task_id, int limit, std::optional<std::pair<std::int64_t, std::string>> after) {
  auto r = co_await db_.read(
      std::string("SELECT ") + kApplicationColumns +
          " WHERE task_id = $1 AND ($2 = 0 OR created_at > $3 OR (created_at = $3 AND id > $4)) "
          "ORDER BY created_at, id LIMIT $5",
      db::params(std::move(task_id), std::int64_t{after.has_value()}, after ? after->first : 0,
                 after ? after->second : std::string(), std::int64_t{limit + 1}));
  std::vector<Application> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(application_from_row(r, i));
  co_return out;
}

Task<std::optional<Application>> TaskStore::application(db::Tx& tx, std::string id) {
  auto r = co_await tx.exec(std::string("SELECT ") + kApplicationColumns + " WHERE id = $1",
                            db::params(std::move(id)));
  if (r.empty()) co_return std::nullopt;
  co_return application_from_row(r, 0);
}

Task<std::vector<std::string>> TaskStore::applicant_ids(std::string task_id) {
  auto r =
      co_await db_.read("SELECT DISTINCT applicant_id FROM task_applications WHERE task_id = $1",
                        db::params(std::move(task_id)));
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(r.str(i, 0));
  co_return out;
}

Task<std::vector<Application>> TaskStore::applications_by(std::string user_id) {
  auto r = co_await db_.read(std::string("SELECT ") + kApplicationColumns +
                                 " WHERE applicant_id = $1 ORDER BY created_at, id",
                             db::params(std::move(user_id)));
  std::vector<Application> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(application_from_row(r, i));
  co_return out;
}

Task<void> TaskStore::erase_user(std::string user_id) {
  co_await db_.transact([&user_id](db::Tx& tx) -> Task<bool> {
    const auto now = now_ms();
    // Their open tasks are cancelled, as `cancel` does it: pending applications declined.
    co_await tx.exec(
        "UPDATE task_applications SET status = 'declined', updated_at = $2 WHERE status = "
        "'pending' AND task_id IN (SELECT id FROM tasks WHERE creator_id = $1 AND status = 'open')",
        db::params(user_id, now));
    co_await tx.exec(
        "UPDATE tasks SET status = 'cancelled', updated_at = $2 WHERE creator_id = $1 AND "
        "status = 'open'",
        db::params(user_id, now));
    // Tasks they help with reopen, as `withdraw` does it: declined applicants get another chance.
    co_await tx.exec(
        "UPDATE task_applications SET status = 'pending', updated_at = $2 WHERE status = "
        "'declined' AND task_id IN (SELECT id FROM tasks WHERE helper_id = $1 AND status IN "
        "('assigned', 'in_progress'))",
        db::params(user_id, now));
    co_await tx.exec(
        "UPDATE tasks SET status = 'open', helper_id = NULL, updated_at = $2 WHERE helper_id = $1 "
        "AND status IN ('assigned', 'in_progress')",
        db::params(user_id, now));
    co_await tx.exec(
        "UPDATE tasks SET description = '', image_urls = '[]', lat = grid_lat, lng = grid_lng, "
        "updated_at = $2 WHERE creator_id = $1",
        db::params(user_id, now));
    co_await tx.exec(
        "UPDATE task_applications SET message = '', status = CASE WHEN status IN ('pending', "
        "'accepted') THEN 'withdrawn' ELSE status END, updated_at = $2 WHERE applicant_id = $1",
        db::params(user_id, now));
    co_return true;
  });
}

Task<void> TaskStore::add_event(db::Tx& tx, std::string task_id, std::string type,
                                std::string recipient_id, std::optional<std::string> payload) {
  co_await tx.exec(
      "INSERT INTO task_events (id, task_id, type, recipient_id, payload, created_at) VALUES ($1, "
      "$2, $3, $4, $5, $6)",
      db::params(uuid_v7(), std::move(task_id), std::move(type), std::move(recipient_id),
                 db::opt(payload), now_ms()));
}

}  // namespace gd::tasks
