// Fuzzes the offline sync push decoder: a body's `changes` through SyncService::validate
// (tables, columns, types, ids), then every created or updated record of `tasks` and
// `projects` through the decoding into the owning module's types and the task rules the
// REST routes share (check_task_fields). Nothing may crash or leak; a push that validates
// has only whitelisted tables and UUID ids, and a task that passes the rules obeys them.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/json/object.hpp>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "sync/sync_service.hpp"
#include "sync/sync_tables.hpp"
#include "tasks/task_fields.hpp"

namespace {

void decode_records(std::string_view table, const boost::json::value& lists) {
  const auto* o = lists.if_object();
  if (!o) std::abort();  // validate() accepted a table whose changes are not an object
  for (const auto* list : {o->if_contains("created"), o->if_contains("updated")}) {
    if (!list) continue;
    for (const auto& raw : list->as_array()) {
      const auto& rec = raw.as_object();
      const auto* id = rec.if_contains("id");
      if (!id || !id->is_string() || !gd::is_uuid(id->as_string())) std::abort();
      if (table == "tasks") {
        auto decoded = gd::sync::task_record(rec);
        if (!decoded) continue;
        for (const bool creating : {true, false}) {
          auto fields = decoded->fields;
          if (gd::tasks::check_task_fields(fields, creating, 1000).ok() && fields.points_reward &&
              (*fields.points_reward < 1 || *fields.points_reward > 1000))
            std::abort();  // a reward outside its range passed the rules
        }
      } else if (table == "projects") {
        (void)gd::sync::project_record(rec);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const auto parsed = gd::json::parse_object(body);
  if (!parsed) return 0;
  const auto* changes = parsed.value().if_contains("changes");
  if (!changes || !changes->is_object()) return 0;
  if (!gd::sync::SyncService::validate(changes->as_object()).ok()) return 0;
  for (const auto& [name, lists] : changes->as_object()) {
    if (!gd::sync::find_table(name)) std::abort();  // validate() let an unknown table through
    decode_records(name, lists);
  }
  return 0;
}
