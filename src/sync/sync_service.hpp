// Offline sync with WatermelonDB: pull changes since a position in the change log, push local
// changes in one transaction. Protocol choices: docs/sync.md.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/async.hpp"
#include "core/byte_sink.hpp"
#include "core/result.hpp"
#include "projects/project_service.hpp"
#include "store/db.hpp"
#include "sync/sync_tables.hpp"
#include "tasks/task_service.hpp"

namespace gd::sync {

struct PullRequest {
  std::optional<std::int64_t> last_pulled_at;  // nullopt (or 0): a first pull
  std::vector<std::string> full_tables;        // tables to send whole (a client migration)
  int schema_version = 1;                      // the client's: tables added later are left out
  std::optional<int> migrated_from;  // a migration's `from`: tables added since come whole
};

// Rejected record ids by table, for experimentalRejectedIds.
using Rejected = std::map<std::string, std::vector<std::string>>;

class SyncService {
 public:
  SyncService(db::Database& db, tasks::TaskService& tasks, projects::ProjectService& projects)
      : db_(db), tasks_(tasks), projects_(projects) {}

  // The response body, {"changes": {...}, "timestamp": N}, sent to `out` in pieces of about
  // 256 KiB as it is read, a page per database read: no connection is held while `out` waits
  // for a slow reader.
  Task<void> pull(std::string user, PullRequest request, ByteSink& out);

  // Checks the shape of a push (tables, columns, types, ids) before anything is applied.
  static gd::Status validate(const boost::json::object& changes);
  // Applies a validated push in one transaction: SYNC_CONFLICT (nothing applied) when a
  // pushed record changed on the server at or after last_pulled_at; records that break a
  // rule are left out and returned.
  Task<Result<Rejected>> push(std::string user, std::int64_t last_pulled_at,
                              boost::json::object changes);

 private:
  Task<bool> put(db::Tx& tx, const std::string& user, const SyncTable& table,
                 const boost::json::object& rec);
  Task<bool> remove(db::Tx& tx, const std::string& user, const SyncTable& table,
                    const std::string& id);
  db::Database& db_;
  tasks::TaskService& tasks_;
  projects::ProjectService& projects_;
};

// A validated push's raw records decoded into the owning module's types (the services check
// the values' rules, as they do for REST). Exposed for the sync push fuzz target.
Result<tasks::TaskRecord> task_record(const boost::json::object& rec);
projects::ProjectRecord project_record(const boost::json::object& rec);

// One step of pruning the change log: moves the horizon up to `before` (never past the clock,
// never down) and deletes up to `batch` changes below it, in one transaction. Returns how
// many it deleted: fewer than `batch` means nothing is left below the horizon. A pull from
// below the horizon gets everything again (replacement); a push from below it may not
// touch existing records.
inline constexpr std::size_t kPruneBatch = 5000;
Task<std::size_t> prune_changes(db::Database& db, std::int64_t before,
                                std::size_t batch = kPruneBatch);

}  // namespace gd::sync
