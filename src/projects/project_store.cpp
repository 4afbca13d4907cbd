// Project SQL, shared by both back ends.
#include "projects/project_store.hpp"

namespace gd::projects {
namespace {

constexpr const char* kColumns =
    "id, user_id, name, description, created_at, updated_at, is_deleted FROM projects";

Project from_row(const db::Rows& r, int i) {
  Project p;
  p.id = r.str(i, 0);
  p.user_id = r.str(i, 1);
  p.name = r.str(i, 2);
  p.description = r.opt(i, 3);
  p.created_at_ms = r.i64(i, 4);
  p.updated_at_ms = r.i64(i, 5);
  p.deleted = r.i64(i, 6) != 0;
  return p;
}

}  // namespace

Task<std::optional<Project>> ProjectStore::find(db::Tx& tx, std::string id) {
  const auto r =
      co_await tx.exec(std::string("SELECT ") + kColumns + " WHERE id = $1", db::params(id));
  if (r.empty()) co_return std::nullopt;
  co_return from_row(r, 0);
}

Task<void> ProjectStore::insert(db::Tx& tx, const Project& p) {
  co_await tx.exec(
      "INSERT INTO projects (id, user_id, name, description, created_at, updated_at) VALUES "
      "($1, $2, $3, $4, $5, $6)",
      db::params(p.id, p.user_id, p.name, db::opt(p.description), p.created_at_ms,
                 p.updated_at_ms));
}

Task<void> ProjectStore::update(db::Tx& tx, const Project& p) {
  co_await tx.exec("UPDATE projects SET name = $2, description = $3, updated_at = $4 WHERE id = $1",
                   db::params(p.id, p.name, db::opt(p.description), p.updated_at_ms));
}

Task<void> ProjectStore::mark_deleted(db::Tx& tx, std::string id, std::int64_t now_ms) {
  co_await tx.exec("UPDATE projects SET is_deleted = 1, updated_at = $2 WHERE id = $1",
                   db::params(id, now_ms));
}

Task<bool> ProjectStore::owned_live(db::Tx& tx, std::string id, std::string user_id) {
  const auto r =
      co_await tx.exec("SELECT 1 FROM projects WHERE id = $1 AND user_id = $2 AND is_deleted = 0",
                       db::params(id, user_id));
  co_return !r.empty();
}

Task<bool> ProjectStore::owned_live(std::string id, std::string user_id) {
  const auto r =
      co_await db_.read("SELECT 1 FROM projects WHERE id = $1 AND user_id = $2 AND is_deleted = 0",
                        db::params(id, user_id));
  co_return !r.empty();
}

Task<std::vector<Project>> ProjectStore::of_user(std::string user_id) {
  const auto r = co_await db_.read(
      std::string("SELECT ") + kColumns + " WHERE user_id = $1 AND is_deleted = 0 ORDER BY id",
      db::params(user_id));
  std::vector<Project> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(from_row(r, i));
  co_return out;
}

Task<void> ProjectStore::erase_user(std::string user_id, std::int64_t now_ms) {
  co_await db_.write(
      "UPDATE projects SET is_deleted = 1, name = '-', description = NULL, updated_at = $2 "
      "WHERE user_id = $1",
      db::params(user_id, now_ms));
}

}  // namespace gd::projects
