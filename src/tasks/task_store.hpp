// Persistence of tasks and applications over db::Database. SQL is shared by both back ends
// except geo search: PostGIS on PostgreSQL, the R*Tree on SQLite.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/result.hpp"
#include "store/db.hpp"
#include "tasks/task.hpp"

namespace gd::tasks {

struct SearchQuery {
  GeoPoint centre;
  double radius_m = 5000;
  std::optional<std::string> category;
  bool newest = false;  // else nearest first
  int limit = 20;
  // Keyset of the last item already returned: (distance, id) or (created_at, id).
  std::optional<std::pair<double, std::string>> after;
};

struct Found {
  HelpTask task;
  double sort_distance_m;  // from the centre to the snapped point
};

struct TaskPatch {
  std::optional<std::string> title, description, category;
  std::optional<GeoPoint> location;
  std::optional<std::int64_t> points_reward;
  std::optional<std::vector<std::string>> image_urls;
  bool empty() const {
    return !title && !description && !category && !location && !points_reward && !image_urls;
  }
};

class TaskStore {
 public:
  explicit TaskStore(db::Database& db) : db_(db) {}
  db::Database& db() { return db_; }

  Task<void> insert(HelpTask t);
  static Task<void> insert(db::Tx& tx, const HelpTask& t);
  Task<std::optional<HelpTask>> find(std::string id);
  static Task<std::optional<HelpTask>> find(db::Tx& tx, std::string id);
  static Task<bool> is_deleted(db::Tx& tx, std::string id);
  static Task<void> mark_deleted(db::Tx& tx, std::string id, std::int64_t now_ms);
  static Task<void> set_project(db::Tx& tx, std::string id, std::optional<std::string> project,
                                std::int64_t now_ms);
  static Task<void> detach_project(db::Tx& tx, std::string project, std::int64_t now_ms);
  Task<bool> has_applied(std::string task_id, std::string user_id);
  // Returns the updated task, or nullopt when it is no longer open or not the creator's.
  Task<std::optional<HelpTask>> patch_open(std::string id, std::string creator_id, TaskPatch p);
  static Task<bool> patch_open(db::Tx& tx, std::string id, std::string creator_id,
                               const TaskPatch& p);
  // Up to q.limit + 1 results, in order.
  Task<std::vector<Found>> search(SearchQuery q);
  // role: "creator", "helper" or "" for both; newest first; up to limit + 1.
  Task<std::vector<HelpTask>> list_for_user(
      std::string user_id, std::string role, std::optional<std::string> status, int limit,
      std::optional<std::pair<std::int64_t, std::string>> after);

  // Applications. insert_application returns false when this user already applied.
  static Task<bool> insert_application(db::Tx& tx, const Application& a);
  Task<std::vector<Application>> applications(
      std::string task_id, int limit, std::optional<std::pair<std::int64_t, std::string>> after);
  static Task<std::optional<Application>> application(db::Tx& tx, std::string id);

  // Everyone who applied to the task (whatever became of the application).
  Task<std::vector<std::string>> applicant_ids(std::string task_id);
  // The user's own applications, for the data export.
  Task<std::vector<Application>> applications_by(std::string user_id);
  // Account erasure: cancel their open tasks, hand back tasks they help with, withdraw their
  // applications, and remove personal text and exact locations from their tasks.
  Task<void> erase_user(std::string user_id);

  // Writes an outbox row in the caller's transaction.
  static Task<void> add_event(db::Tx& tx, std::string task_id, std::string type,
                              std::string recipient_id, std::optional<std::string> payload = {});

 private:
  Task<std::vector<Found>> search_sqlite(SearchQuery q);
  Task<std::vector<Found>> search_postgres(SearchQuery q);
  db::Database& db_;
};

// Column list and row decoding, shared with the service's transition SQL.
extern const char* const kTaskColumns;      // qualified with the alias t
extern const char* const kTaskColumnsBare;  // for RETURNING
constexpr int kTaskColumnCount = 17;
HelpTask task_from_row(const db::Rows& r, int i, int first_col = 0);
HelpTask task_from_row(const db::RowView& row, int first_col = 0);
std::string image_urls_json(const std::vector<std::string>& urls);

}  // namespace gd::tasks
