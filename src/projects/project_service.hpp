// The rules of projects: only their owner writes them, within the field rules; a deleted
// project stays deleted. Called inside the caller's transaction (offline sync's push).
#pragma once
#include <optional>
#include <string>

#include "core/async.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "projects/project_store.hpp"
#include "users/account_part.hpp"

namespace gd::projects {

// A project as a client pushes it: the fields it carries, and the owner it names (if any).
struct ProjectRecord {
  ProjectId id;
  ProjectFields fields;
  std::optional<std::string> user_id;
};

class ProjectService {
 public:
  explicit ProjectService(ProjectStore& store) : store_(store) {}

  // Creates the project, or edits it when it exists: FORBIDDEN when it is someone else's or
  // names another owner, NOT_FOUND when it was deleted, VALIDATION_FAILED for bad fields.
  Task<Status> put_in(db::Tx& tx, UserId user, ProjectRecord record);
  // Deletes the caller's project (deleting one that does not exist is fine).
  Task<Status> remove_in(db::Tx& tx, UserId user, ProjectId id);
  Task<bool> owned_live(db::Tx& tx, UserId user, ProjectId id);
  Task<bool> owned_live(UserId user, ProjectId id);

 private:
  ProjectStore& store_;
};

// A user's projects in their data export; erased with the account.
class ProjectsPart final : public users::AccountPart {
 public:
  explicit ProjectsPart(ProjectStore& store) : store_(store) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string user_id) override;

 private:
  ProjectStore& store_;
};

}  // namespace gd::projects
