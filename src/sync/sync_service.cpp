// Pull: the clock's position first, then per table either every visible row (a first pull, or
// a table the client just added) or the rows named in the change log between the client's
// position and that one, each reported created, updated or (no longer visible) deleted.
// Every page is a read of its own: no connection is held while the client reads. Push: one
// transaction; each record in a savepoint, so a record that breaks a rule is rolled back alone and
// reported.
#include "sync/sync_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "sync/sync_tables.hpp"

namespace gd::sync {
namespace {

void log_rejection(const SyncTable& table, std::string_view id, const Error& e) {
  spdlog::debug("sync push: {} {} rejected: {} {}{}", table.name, id, name(e.code), e.detail,
                e.errors.empty()
                    ? std::string()
                    : " (" + e.errors.front().field + " " + e.errors.front().message + ")");
}

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
    if (t.since_version > request.schema_version) continue;  // not in the client's schema
    if (!first_table) body += ',';
    first_table = false;
    body += '"';
    body += t.name;
    body += "\":{\"created\":[";
    // `created` goes straight into the body (and on to the client); `updated` and `deleted`
    // follow it, so they wait here.
    bool first_created = true, first_updated = true;
    std::string updated, deleted;
    const bool whole = !since || contains(request.full_tables, std::string(t.name)) ||
                       (request.migrated_from && *request.migrated_from < t.since_version);
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

// Raw records decoded into the owning module's types. validate() has checked every column's
// type (and that the id is a UUID), so only the rules of the value remain: the services
// check those, as they do for REST.
std::optional<std::string> str(const boost::json::object& rec, std::string_view key) {
  const auto* v = rec.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

// Present → the value (null allowed); absent → nullopt.
std::optional<std::optional<std::string>> nullable_str(const boost::json::object& rec,
                                                       std::string_view key) {
  const auto* v = rec.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_null()) return std::optional<std::string>{};
  return std::optional<std::string>(std::string(v->as_string()));
}

std::optional<double> num(const boost::json::object& rec, std::string_view key) {
  const auto* v = rec.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

}  // namespace

Result<tasks::TaskRecord> task_record(const boost::json::object& rec) {
  tasks::TaskRecord r;
  r.id = TaskId(str(rec, "id").value_or(""));
  r.fields.title = str(rec, "title");
  r.fields.description = str(rec, "description");
  r.fields.category = str(rec, "category");
  const auto lat = num(rec, "lat"), lng = num(rec, "lng");
  if (lat.has_value() != lng.has_value())
    return validation_error("lat", "lat and lng are pushed together");
  if (lat) r.fields.location = GeoPoint{*lat, *lng};
  if (const auto reward = num(rec, "points_reward")) {
    if (*reward != std::floor(*reward) || std::fabs(*reward) > 9e15)
      return validation_error("points_reward", "must be an integer");
    r.fields.points_reward = static_cast<std::int64_t>(*reward);
  }
  if (auto urls = str(rec, "image_urls")) {
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(*urls, ec);
    const auto* list = ec ? nullptr : parsed.if_array();
    if (!list) return validation_error("image_urls", "must be a JSON list of URLs");
    std::vector<std::string> out;
    for (const auto& u : *list) {
      if (!u.is_string()) return validation_error("image_urls", "must be a JSON list of URLs");
      out.emplace_back(u.as_string());
    }
    r.fields.image_urls = std::move(out);
  }
  r.project_id = nullable_str(rec, "project_id");
  if (r.project_id && *r.project_id && !is_uuid(**r.project_id))
    return validation_error("project_id", "must be a UUID or null");
  r.status = str(rec, "status");
  r.creator_id = str(rec, "creator_id");
  r.helper_id = nullable_str(rec, "helper_id");
  return r;
}

projects::ProjectRecord project_record(const boost::json::object& rec) {
  projects::ProjectRecord r;
  r.id = ProjectId(str(rec, "id").value_or(""));
  r.fields.name = str(rec, "name");
  r.fields.description = nullable_str(rec, "description");
  r.user_id = str(rec, "user_id");
  return r;
}

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

}  // namespace

Task<Result<Rejected>> SyncService::push(std::string user, std::int64_t last_pulled_at,
                                         boost::json::object changes) {
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  const auto body = [&](db::Tx& tx) -> Task<Result<Rejected>> {
    Rejected rejected;
    // Below the horizon the log no longer says what changed: then any pushed record that
    // exists is a conflict (the client's next pull replaces everything).
    const auto clock = co_await tx.exec("SELECT horizon, pos FROM sync_clock", db::Params());
    const bool stale = last_pulled_at < clock.i64(0, 0);
    // No pull has answered a position beyond the clock: such a client would skip conflict
    // detection for everything changed until the clock caught up.
    if (last_pulled_at > clock.i64(0, 1) + 1)
      co_return validation_error("lastPulledAt", "is ahead of the server's position: pull first");
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
          co_return make_error(ErrorCode::kSyncConflict,
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
          const auto apply = [&]() -> Task<bool> { co_return co_await put(tx, user, t, rec); };
          if (!co_await in_savepoint(tx, apply)) out.emplace_back(rec.at("id").as_string());
        }
      }
      if (const auto* a = lists.if_contains("deleted")) {
        for (const auto& v : a->as_array()) {
          const std::string id(v.as_string());
          const auto apply = [&]() -> Task<bool> { co_return co_await remove(tx, user, t, id); };
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

// One pushed record through its owner's service: the same rules as REST. A record is
// rejected when it breaks one (the service's error says which, at debug level).
Task<bool> SyncService::put(db::Tx& tx, const std::string& user, const SyncTable& table,
                            const boost::json::object& rec) {
  Status applied = Ok{};
  if (table.name == "projects") {
    applied = co_await projects_.put_in(tx, UserId(user), project_record(rec));
  } else {
    auto record = task_record(rec);
    if (!record)
      applied = std::move(record).error();
    else
      applied = co_await tasks_.put_in(tx, UserId(user), std::move(record.value()));
  }
  if (!applied) log_rejection(table, rec.at("id").as_string(), applied.error());
  co_return applied.ok();
}

Task<bool> SyncService::remove(db::Tx& tx, const std::string& user, const SyncTable& table,
                               const std::string& id) {
  Status removed = Ok{};
  if (table.name == "projects") {
    removed = co_await projects_.remove_in(tx, UserId(user), ProjectId(id));
    // Its tasks live on (they are public requests for help), outside the project.
    if (removed) co_await tasks_.detach_project_in(tx, ProjectId(id));
  } else {
    removed = co_await tasks_.remove_in(tx, UserId(user), TaskId(id));
  }
  if (!removed) log_rejection(table, id, removed.error());
  co_return removed.ok();
}

}  // namespace gd::sync
