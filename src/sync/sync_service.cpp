// Pull: the clock's position first, then per table either every visible row (a first pull, or
// a table the client just added) or the rows named in the change log between the client's
// position and that one, each reported created, updated or (no longer visible) deleted.
// Every page is a read of its own: no connection is held while the client reads. Push: one
// transaction; each record in a savepoint, so a record that breaks a rule is rolled back alone and
// reported.
#include "sync/sync_service.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "sync/sync_tables.hpp"
#include "tasks/geo.hpp"
#include "tasks/task_fields.hpp"

namespace gd::sync {
namespace {

constexpr int kPage = 1000;                      // rows per statement in a pull
constexpr std::size_t kChunk = 500;              // ids per IN list
constexpr std::size_t kFlushBytes = 256 * 1024;  // a pull sends its text on in pieces this big

void append_value(std::string& out, const Column& c, const db::Rows& r, int i, int col) {
  if (r.is_null(i, col)) {
    out += "null";
    return;
  }
  switch (c.kind) {
    case Kind::kString:
      out += '"';
      json::escape_to(out, r.text(i, col));
      out += '"';
      break;
    case Kind::kNumber:
      out += r.text(i, col);
      break;
    case Kind::kBool:
      out += r.boolean(i, col) ? "true" : "false";
      break;
  }
}

// Appends row i as a raw record to a list, after a comma unless it is the list's first
// (`first`, cleared here: the list's text may have been sent on already).
void append_record(std::string& out, bool& first, const SyncTable& t, const db::Rows& r, int i) {
  if (!first) out += ',';
  first = false;
  out += '{';
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    if (k) out += ',';
    out += '"';
    out += t.columns[k].name;
    out += "\":";
    append_value(out, t.columns[k], r, i, static_cast<int>(k));
  }
  out += '}';
}

void append_id(std::string& out, std::string_view id) {
  if (!out.empty()) out += ',';
  out += '"';
  json::escape_to(out, id);
  out += '"';
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Task<void> SyncService::pull(std::string user, PullRequest request, ByteSink& out) {
  std::string body;
  const auto flush = [&]() -> Task<void> {
    if (body.size() >= kFlushBytes) co_await out.send(body);
  };
  // The position this pull reaches: positions follow commit order, so every change below it
  // has committed and is visible to every later read, and none will ever be added below it.
  // Pages are read later, each on its own: a row may come in a state newer than this
  // position, and its change (at or after the position) then comes again in the next pull.
  const auto clock = co_await db_.read("SELECT pos + 1, horizon FROM sync_clock", db::Params());
  const std::int64_t position = clock.i64(0, 0);
  std::optional<std::int64_t> since = request.last_pulled_at;
  if (since && *since <= 0) since.reset();  // 0 is a first pull too
  // Older than the pruned part of the log: everything again, and the client drops what it
  // has and no longer gets (WatermelonDB's replacement strategy).
  const bool replace = since && *since < clock.i64(0, 1);
  if (replace) since.reset();
  body = "{\"changes\":{";
  bool first_table = true;
  for (const auto& t : sync_tables()) {
    if (!first_table) body += ',';
    first_table = false;
    body += '"';
    body += t.name;
    body += "\":{\"created\":[";
    // `created` goes straight into the body (and on to the client); `updated` and `deleted`
    // follow it, so they wait here.
    bool first_created = true, first_updated = true;
    std::string updated, deleted;
    const bool whole = !since || contains(request.full_tables, std::string(t.name));
    const std::string columns = t.select_list();
    if (whole) {
      // Keyset pages in id order along an index per scan, so each page costs a page.
      for (const auto scan : t.visible) {
        const std::string sql = "SELECT " + columns + " FROM " + std::string(t.from) + " WHERE " +
                                std::string(scan) + " AND t.id > $2 ORDER BY t.id LIMIT " +
                                std::to_string(kPage);
        std::string last;
        for (;;) {
          auto params = db::params(user, last);
          const auto rows = co_await db_.read(sql, std::move(params));
          for (int i = 0; i < rows.size(); ++i) append_record(body, first_created, t, rows, i);
          co_await flush();
          if (rows.size() < kPage) break;
          last = rows.str(rows.size() - 1, 0);
        }
      }
    }
    if (since) {
      // The records changed since the client's position (one row each, however often they
      // changed), then those records in chunks: the ones still visible are sent, the rest
      // are deletes for this caller. Linear in the number of changed records.
      auto params = db::params(user, std::string(t.name), *since, position);
      const auto changed = co_await db_.read(
          "SELECT record_id, max(created) FROM sync_changes WHERE table_name = $2 AND "
          "audience IN ($1, '*') AND pos >= $3 AND pos < $4 GROUP BY record_id",
          std::move(params));
      const std::string head = "SELECT " + columns + " FROM " + std::string(t.from) + " WHERE " +
                               t.visible_sql() + " AND t.id IN (";
      for (int from = 0; from < changed.size(); from += static_cast<int>(kChunk)) {
        const int n = std::min(static_cast<int>(kChunk), changed.size() - from);
        db::Params chunk = db::params(user);
        std::unordered_map<std::string_view, bool> created;  // id → created here
        for (int i = from; i < from + n; ++i) {
          chunk.emplace_back(changed.str(i, 0));
          created.emplace(changed.text(i, 0), changed.i64(i, 1) != 0);
        }
        const auto rows =
            co_await db_.read(head + db::placeholders(2, static_cast<std::size_t>(n)) + ")", chunk);
        for (int i = 0; i < rows.size(); ++i) {
          const auto it = created.find(rows.text(i, 0));  // column 0 is the id
          if (it == created.end()) continue;
          if (!whole) {
            if (it->second) {
              append_record(body, first_created, t, rows, i);
            } else {
              append_record(updated, first_updated, t, rows, i);
            }
          }
          created.erase(it);
        }
        for (const auto& [id, unused] : created) append_id(deleted, id);
        co_await flush();
      }
    }
    body += "],\"updated\":[";
    body += updated;
    body += "],\"deleted\":[";
    body += deleted;
    body += "]}";
    co_await flush();
  }
  body += "},\"timestamp\":" + std::to_string(position);
  if (replace) body += ",\"experimentalStrategy\":\"replacement\"";
  body += '}';
  co_await out.send(body);
}

// ---- push ----------------------------------------------------------------------------------

namespace {

bool type_ok(const Column& c, const boost::json::value& v) {
  if (v.is_null()) return c.nullable;
  switch (c.kind) {
    case Kind::kString:
      return v.is_string();
    case Kind::kNumber:
      return v.is_int64() || v.is_uint64() || (v.is_double() && std::isfinite(v.as_double()));
    case Kind::kBool:
      return v.is_bool();
  }
  return false;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kString:
      return "a string";
    case Kind::kNumber:
      return "a number";
    case Kind::kBool:
      return "a boolean";
  }
  return "";
}

std::optional<std::string> str(const boost::json::object& rec, std::string_view key) {
  const auto* v = rec.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<double> num(const boost::json::object& rec, std::string_view key) {
  const auto* v = rec.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

// The REST shape of a raw task record's editable fields (only those present), for the same
// validation POST/PATCH /tasks use. `current` (when editing) drops the unchanged ones.
boost::json::object rest_fields(const boost::json::object& rec, const tasks::HelpTask* current) {
  boost::json::object o;
  const auto changed = [&](auto pushed, auto have) { return !current || pushed != have; };
  if (auto v = str(rec, "title"); v && changed(*v, current ? current->title : "")) o["title"] = *v;
  if (auto v = str(rec, "description"); v && changed(*v, current ? current->description : ""))
    o["description"] = *v;
  if (auto v = str(rec, "category"); v && changed(*v, current ? current->category : ""))
    o["category"] = *v;
  const auto lat = num(rec, "lat"), lng = num(rec, "lng");
  if (lat && lng && (!current || *lat != current->location.lat || *lng != current->location.lng))
    o["location"] = {{"lat", *lat}, {"lng", *lng}};
  else if (lat.has_value() != lng.has_value() && !current)
    o["location"] = nullptr;  // half a location: invalid
  if (const auto* v = rec.if_contains("points_reward"); v && v->is_number()) {
    const auto reward = v->to_number<double>();
    if (!current || reward != static_cast<double>(current->points_reward)) {
      if (reward == std::floor(reward))
        o["pointsReward"] = static_cast<std::int64_t>(reward);
      else
        o["pointsReward"] = reward;
    }
  }
  if (auto v = str(rec, "image_urls")) {
    boost::system::error_code ec;
    auto urls = boost::json::parse(*v, ec);
    const auto now = current ? tasks::image_urls_json(current->image_urls) : std::string();
    if (!current || *v != now) o["imageUrls"] = ec ? boost::json::value("not a list") : urls;
  }
  return o;
}

}  // namespace

gd::Status SyncService::validate(const boost::json::object& changes) {
  json::Reader in(boost::json::object{});
  int errors = 0;
  const auto fail = [&](std::string field, std::string message) {
    if (++errors <= 20) in.fail(std::move(field), std::move(message));
  };
  for (const auto& [name, value] : changes) {
    const std::string at = "changes." + std::string(name);
    const auto* t = find_table(name);
    if (!t) {
      fail(at, "is not a synced table");
      continue;
    }
    const auto* lists = value.if_object();
    if (!lists) {
      fail(at, "must be an object of created, updated and deleted");
      continue;
    }
    for (const auto& [list, records] : *lists) {
      const std::string where = at + "." + std::string(list);
      const auto* arr = records.if_array();
      if (!arr || (list != "created" && list != "updated" && list != "deleted")) {
        fail(where, "must be one of created, updated (records) and deleted (ids)");
        continue;
      }
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto& r = (*arr)[i];
        const std::string item = where + "[" + std::to_string(i) + "]";
        if (list == "deleted") {
          if (!r.is_string() || !is_uuid(r.as_string())) fail(item, "must be a UUID");
          continue;
        }
        const auto* rec = r.if_object();
        if (!rec) {
          fail(item, "must be a record (an object)");
          continue;
        }
        const auto* id = rec->if_contains("id");
        if (!id || !id->is_string() || !is_uuid(id->as_string()))
          fail(item + ".id", "must be a UUID");
        for (const auto& [key, v] : *rec) {
          if (key == "_status" || key == "_changed") continue;  // client bookkeeping
          const auto* c = t->column(key);
          if (!c) {
            fail(item + "." + std::string(key), "is not a column of " + std::string(t->name));
          } else if (!type_ok(*c, v)) {
            fail(item + "." + std::string(key),
                 std::string("must be ") + kind_name(c->kind) + (c->nullable ? " or null" : ""));
          }
        }
      }
    }
  }
  return in.finish();
}

namespace {

// The ids a push names in one table, in order: created, updated, deleted.
std::vector<std::string> pushed_ids(const boost::json::object& lists) {
  std::vector<std::string> ids;
  for (const char* list : {"created", "updated"})
    if (const auto* a = lists.if_contains(list))
      for (const auto& r : a->as_array()) ids.emplace_back(r.as_object().at("id").as_string());
  if (const auto* a = lists.if_contains("deleted"))
    for (const auto& id : a->as_array()) ids.emplace_back(id.as_string());
  return ids;
}

// Runs one record's change inside a savepoint: rolled back alone when it returns false.
template <class F>
Task<bool> in_savepoint(db::Tx& tx, F apply) {
  co_await tx.exec("SAVEPOINT sync_record", db::Params());
  const bool ok = co_await apply();
  if (!ok) co_await tx.exec("ROLLBACK TO SAVEPOINT sync_record", db::Params());
  co_await tx.exec("RELEASE SAVEPOINT sync_record", db::Params());
  co_return ok;
}

Task<bool> upsert_project(db::Tx& tx, const std::string& user, const boost::json::object& rec) {
  const std::string id(rec.at("id").as_string());
  auto current = co_await tx.exec(
      "SELECT user_id, is_deleted, name, description FROM projects WHERE id = $1", db::params(id));
  std::optional<std::string> name = str(rec, "name");
  const auto* d = rec.if_contains("description");
  std::optional<std::string> description;
  bool description_given = d != nullptr;
  if (d && d->is_string()) description = std::string(d->as_string());
  const std::int64_t now = now_ms();
  if (!current.empty()) {
    if (current.str(0, 0) != user || current.i64(0, 1) != 0) co_return false;
    if (!name) name = current.str(0, 2);
    if (!description_given) description = current.opt(0, 3);
  }
  if (!name || json::utf8_length(*name) < 1 || json::utf8_length(*name) > 200 ||
      (description && json::utf8_length(*description) > 2000))
    co_return false;
  if (current.empty()) {
    co_await tx.exec(
        "INSERT INTO projects (id, user_id, name, description, created_at, updated_at) VALUES "
        "($1, $2, $3, $4, $5, $5)",
        db::params(id, user, *name, db::opt(description), now));
  } else if (*name != current.str(0, 2) || description != current.opt(0, 3)) {
    co_await tx.exec(
        "UPDATE projects SET name = $2, description = $3, updated_at = $4 WHERE id = $1",
        db::params(id, *name, db::opt(description), now));
  }
  co_return true;
}

Task<bool> delete_project(db::Tx& tx, const std::string& user, const std::string& id) {
  auto current =
      co_await tx.exec("SELECT user_id, is_deleted FROM projects WHERE id = $1", db::params(id));
  if (current.empty()) co_return true;  // deleting what is not there is fine
  if (current.str(0, 0) != user) co_return false;
  if (current.i64(0, 1) != 0) co_return true;
  const std::int64_t now = now_ms();
  co_await tx.exec("UPDATE projects SET is_deleted = 1, updated_at = $2 WHERE id = $1",
                   db::params(id, now));
  // Its tasks live on (they are public requests for help), outside the project.
  co_await tx.exec("UPDATE tasks SET project_id = NULL, updated_at = $2 WHERE project_id = $1",
                   db::params(id, now));
  co_return true;
}

Task<bool> own_live_project(db::Tx& tx, const std::string& user, const std::string& project) {
  auto r =
      co_await tx.exec("SELECT 1 FROM projects WHERE id = $1 AND user_id = $2 AND is_deleted = 0",
                       db::params(project, user));
  co_return !r.empty();
}

}  // namespace

Task<Result<Rejected>> SyncService::push(std::string user, std::int64_t last_pulled_at,
                                         boost::json::object changes) {
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  const auto max_reward = tasks_.options().max_reward;
  const auto body = [&](db::Tx& tx) -> Task<Result<Rejected>> {
    Rejected rejected;
    // Below the horizon the log no longer says what changed: then any pushed record that
    // exists is a conflict (the client's next pull replaces everything).
    const auto clock = co_await tx.exec("SELECT horizon FROM sync_clock", db::Params());
    const bool stale = last_pulled_at < clock.i64(0, 0);
    // Lock the pushed rows (PostgreSQL; SQLite writes one transaction at a time), then refuse
    // the whole push if any of them changed at or after the client's position.
    for (const auto& t : sync_tables()) {
      const auto* lists = changes.if_contains(t.name);
      if (!lists || !t.writable) continue;
      const auto ids = pushed_ids(lists->as_object());
      for (std::size_t from = 0; from < ids.size(); from += kChunk) {
        const std::size_t n = std::min(kChunk, ids.size() - from);
        db::Params chunk(ids.begin() + static_cast<std::ptrdiff_t>(from),
                         ids.begin() + static_cast<std::ptrdiff_t>(from + n));
        std::optional<std::string> hit;
        if (pg || stale) {
          auto existing =
              co_await tx.exec("SELECT id FROM " + std::string(t.name) + " WHERE id IN (" +
                                   db::placeholders(1, n) + ")" + (pg ? " FOR UPDATE" : ""),
                               chunk);
          if (stale && !existing.empty()) hit = existing.str(0, 0);
        }
        if (!stale) {
          // Changes the caller's pulls would carry: others' records are refused one by one
          // below.
          auto params = db::params(std::string(t.name), last_pulled_at, user);
          params.insert(params.end(), chunk.begin(), chunk.end());
          auto changed = co_await tx.exec(
              "SELECT record_id FROM sync_changes WHERE table_name = $1 AND pos >= $2 AND "
              "audience IN ($3, '*') AND record_id IN (" +
                  db::placeholders(4, n) + ") LIMIT 1",
              std::move(params));
          if (!changed.empty()) hit = changed.str(0, 0);
        }
        if (hit)
          co_return make_error("SYNC_CONFLICT",
                               "A record you pushed changed on the server since your last pull "
                               "(" +
                                   std::string(t.name) + " " + *hit + "); pull, then push again.");
      }
    }
    for (const auto& t : sync_tables()) {
      const auto* value = changes.if_contains(t.name);
      if (!value) continue;
      const auto& lists = value->as_object();
      auto& out = rejected[std::string(t.name)];
      if (!t.writable) {
        out = pushed_ids(lists);  // read-only for clients
        continue;
      }
      for (const char* list : {"created", "updated"}) {
        const auto* a = lists.if_contains(list);
        if (!a) continue;
        for (const auto& r : a->as_array()) {
          const auto& rec = r.as_object();
          const auto apply = [&]() -> Task<bool> {
            if (t.name == "projects") co_return co_await upsert_project(tx, user, rec);
            co_return co_await upsert_task(tx, user, rec, max_reward);
          };
          if (!co_await in_savepoint(tx, apply)) out.emplace_back(rec.at("id").as_string());
        }
      }
      if (const auto* a = lists.if_contains("deleted")) {
        for (const auto& v : a->as_array()) {
          const std::string id(v.as_string());
          const auto apply = [&]() -> Task<bool> {
            if (t.name == "projects") co_return co_await delete_project(tx, user, id);
            co_return co_await delete_task(tx, user, id);
          };
          if (!co_await in_savepoint(tx, apply)) out.push_back(id);
        }
      }
    }
    std::erase_if(rejected, [](const auto& kv) { return kv.second.empty(); });
    co_return rejected;
  };
  co_return co_await db_.transaction<Rejected>(body);
}

Task<std::size_t> prune_changes(db::Database& db, std::int64_t before, std::size_t batch) {
  const bool pg = db.dialect() == db::Dialect::kPostgres;
  const std::string limit = std::to_string(batch);
  // SQLite positions grow with rowid (one writer), so the oldest rows come first in rowid
  // order; PostgreSQL finds them through the BRIN index on pos.
  const std::string del =
      pg ? "DELETE FROM sync_changes WHERE ctid = ANY(ARRAY(SELECT ctid FROM sync_changes "
           "WHERE pos < $1 LIMIT " +
               limit + "))"
         : "DELETE FROM sync_changes WHERE rowid IN (SELECT rowid FROM sync_changes ORDER BY "
           "rowid LIMIT " +
               limit + ") AND pos < $1";
  const auto body = [&](db::Tx& tx) -> Task<Result<std::size_t>> {
    co_await tx.exec(
        "UPDATE sync_clock SET horizon = CASE WHEN horizon > $1 THEN horizon WHEN $1 > pos + 1 "
        "THEN pos + 1 ELSE $1 END",
        db::params(before));
    const auto clock = co_await tx.exec("SELECT horizon FROM sync_clock", db::Params());
    const auto deleted = co_await tx.exec(del, db::params(clock.i64(0, 0)));
    co_return static_cast<std::size_t>(deleted.affected());
  };
  const auto n = co_await db.transaction<std::size_t>(body);
  co_return n.value();
}

// A task through push: created as with POST /tasks (status open, no helper), edited as with
// PATCH /tasks/{id} (the creator, while open), moved along the lifecycle by whoever the
// transition table allows, exactly as the REST actions do.
Task<bool> SyncService::upsert_task(db::Tx& tx, const std::string& user,
                                    const boost::json::object& rec, std::int64_t max_reward) {
  const std::string id(rec.at("id").as_string());
  const auto current = co_await tasks::TaskStore::find(tx, id);
  if (!current) {
    if (auto s = str(rec, "status"); s && *s != "open") co_return false;
    if (const auto* h = rec.if_contains("helper_id"); h && !h->is_null()) co_return false;
    const auto fields =
        tasks::read_task_fields(rest_fields(rec, nullptr), true, max_reward, nullptr);
    if (!fields) co_return false;
    std::optional<std::string> project = str(rec, "project_id");
    if (project && !co_await own_live_project(tx, user, *project)) co_return false;
    tasks::HelpTask t;
    t.id = id;
    t.creator_id = user;
    t.project_id = project;
    t.title = *fields->title;
    t.description = fields->description.value_or("");
    t.category = *fields->category;
    t.location = *fields->location;
    t.grid = tasks::snap_to_grid(t.location);
    t.points_reward = *fields->points_reward;
    t.image_urls = fields->image_urls.value_or(std::vector<std::string>{});
    t.created_at_ms = t.updated_at_ms = now_ms();
    co_await tasks::TaskStore::insert(tx, t);
    co_return true;
  }
  const auto& t = *current;
  const bool creator = t.creator_id == user;
  if (!creator && t.helper_id != user) co_return false;
  auto deleted = co_await tx.exec("SELECT is_deleted FROM tasks WHERE id = $1", db::params(id));
  if (deleted.i64(0, 0) != 0) co_return false;
  // Field edits: the creator's, while the task is open.
  const auto edits = rest_fields(rec, &t);
  std::optional<std::optional<std::string>> project;
  if (const auto* p = rec.if_contains("project_id")) {
    std::optional<std::string> pushed;
    if (p->is_string()) pushed = std::string(p->as_string());
    if (pushed != t.project_id) project = pushed;
  }
  if (!edits.empty() || project) {
    if (!creator || t.status != tasks::Status::kOpen) co_return false;
    if (!edits.empty()) {
      const auto fields = tasks::read_task_fields(edits, false, max_reward, nullptr);
      if (!fields || !co_await tasks::TaskStore::patch_open(tx, id, user, fields.value()))
        co_return false;
    }
    if (project) {
      if (*project && !co_await own_live_project(tx, user, **project)) co_return false;
      co_await tx.exec("UPDATE tasks SET project_id = $2, updated_at = $3 WHERE id = $1",
                       db::params(id, db::opt(*project), now_ms()));
    }
  }
  // A status move is the lifecycle action that makes it.
  if (auto s = str(rec, "status")) {
    const auto target = tasks::parse_status(*s);
    if (!target) co_return false;
    if (*target != t.status) {
      const auto action = tasks::action_for_move(
          t.status, *target, creator ? tasks::Actor::kCreator : tasks::Actor::kHelper);
      if (!action) co_return false;
      auto moved = co_await tasks_.act_in(tx, user, id, *action, std::nullopt);
      if (!moved) co_return false;
    }
  }
  co_return true;
}

// Deleting a task: the creator's; an open task is cancelled first (its applicants declined);
// a finished one is simply deleted; one in progress cannot be.
Task<bool> SyncService::delete_task(db::Tx& tx, const std::string& user, const std::string& id) {
  const auto t = co_await tasks::TaskStore::find(tx, id);
  if (!t) co_return true;
  if (t->creator_id != user) co_return false;
  if (t->status == tasks::Status::kOpen) {
    auto cancelled = co_await tasks_.act_in(tx, user, id, tasks::Action::kCancel, std::nullopt);
    if (!cancelled) co_return false;
  } else if (t->status != tasks::Status::kCancelled && t->status != tasks::Status::kCompleted) {
    co_return false;
  }
  co_await tx.exec("UPDATE tasks SET is_deleted = 1, updated_at = $2 WHERE id = $1",
                   db::params(id, now_ms()));
  co_return true;
}

}  // namespace gd::sync
