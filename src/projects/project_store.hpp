// Persistence of projects over db::Database (shared SQL for both back ends). Writes happen in
// the caller's transaction: projects change only through offline sync's push.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "projects/project.hpp"
#include "store/db.hpp"

namespace gd::projects {

class ProjectStore {
 public:
  explicit ProjectStore(db::Database& db) : db_(db) {}

  static Task<std::optional<Project>> find(db::Tx& tx, std::string id);
  static Task<void> insert(db::Tx& tx, const Project& p);
  static Task<void> update(db::Tx& tx, const Project& p);
  static Task<void> mark_deleted(db::Tx& tx, std::string id, std::int64_t now_ms);
  static Task<bool> owned_live(db::Tx& tx, std::string id, std::string user_id);
  Task<bool> owned_live(std::string id, std::string user_id);

  // The user's live projects, for the data export.
  Task<std::vector<Project>> of_user(std::string user_id);
  // Account erasure: every project of the user deleted, its text removed.
  Task<void> erase_user(std::string user_id, std::int64_t now_ms);

 private:
  db::Database& db_;
};

}  // namespace gd::projects
