// Database URLs, the back-end factory and the migration runner.
#include "store/open.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "core/embedded.hpp"
#include "store/sqlite_db.hpp"

namespace gd::db {
namespace {

struct Migration {
  int version;
  std::string name;
  std::string_view sql;
};

std::vector<Migration> embedded_migrations(std::string_view dir) {
  std::vector<Migration> out;
  for (const auto& f : embedded::files()) {
    if (f.name.substr(0, dir.size()) != dir) continue;
    const auto name = std::string(f.name.substr(dir.size()));
    out.push_back({std::stoi(name), name, f.data});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  return out;
}

int migrate_sqlite(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  SqliteConn conn(path, false, 10'000);
  conn.exec_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at INTEGER NOT NULL)");
  int applied = 0;
  for (const auto& m : embedded_migrations("src/store/migrations/sqlite/")) {
    conn.exec_script("BEGIN IMMEDIATE");
    const auto done =
        conn.run("SELECT 1 FROM schema_migrations WHERE version = $1", {std::int64_t{m.version}});
    if (!done.empty()) {
      conn.exec_script("COMMIT");
      continue;
    }
    try {
      conn.exec_script(std::string(m.sql));
    } catch (...) {
      conn.exec_script("ROLLBACK");
      throw;
    }
    conn.run(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, "
        "CAST(strftime('%s','now') AS INTEGER) * 1000)",
        {std::int64_t{m.version}, m.name});
    conn.exec_script("COMMIT");
    spdlog::info("applied migration {}", m.name);
    ++applied;
  }
  return applied;
}

class PgSync {
 public:
  explicit PgSync(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) {
      const std::string msg = PQerrorMessage(c_);
      PQfinish(c_);
      throw DbError(ErrorKind::kUnavailable, "08001", "postgres: cannot connect: " + msg);
    }
  }
  ~PgSync() { PQfinish(c_); }
  PgSync(const PgSync&) = delete;
  PgSync& operator=(const PgSync&) = delete;
  // Runs a script (several statements allowed); returns the first cell of the last result.
  std::string exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const auto st = PQresultStatus(r);
    std::string first = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
    const std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      throw std::runtime_error("postgres: " + err);
    return first;
  }

 private:
  PGconn* c_;
};

int migrate_postgres(const std::string& url) {
  PgSync conn(url);
  conn.exec("SET client_min_messages = warning");
  conn.exec("SELECT pg_advisory_lock(727274)");  // one migrator at a time across processes
  conn.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at BIGINT NOT NULL)");
  int applied = 0;
  for (const auto& m : embedded_migrations("src/store/migrations/postgres/")) {
    const auto v = std::to_string(m.version);
    if (conn.exec("SELECT count(*) FROM schema_migrations WHERE version = " + v) != "0") continue;
    conn.exec("BEGIN");
    try {
      conn.exec(std::string(m.sql));
      conn.exec("INSERT INTO schema_migrations VALUES (" + v + ", '" + m.name +
                "', (extract(epoch from now()) * 1000)::bigint)");
      conn.exec("COMMIT");
    } catch (...) {
      conn.exec("ROLLBACK");
      conn.exec("SELECT pg_advisory_unlock(727274)");
      throw;
    }
    spdlog::info("applied migration {}", m.name);
    ++applied;
  }
  conn.exec("SELECT pg_advisory_unlock(727274)");
  return applied;
}

}  // namespace

bool is_postgres_url(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

std::string sqlite_path(const std::string& url) {
  if (url.rfind("sqlite:", 0) != 0)
    throw std::invalid_argument("database URL must start with sqlite: or postgres://");
  auto path = url.substr(7);
  if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite://relative or sqlite:///abs
  if (path.empty()) throw std::invalid_argument("sqlite: URL needs a file path");
  return path;
}

std::unique_ptr<Database> open_database(boost::asio::any_io_executor executor,
                                        const OpenOptions& options) {
  if (is_postgres_url(options.url)) return open_postgres(std::move(executor), options);
  return open_sqlite(sqlite_path(options.url), options);
}

int migrate(const std::string& url) {
  if (is_postgres_url(url)) return migrate_postgres(url);
  return migrate_sqlite(sqlite_path(url));
}

}  // namespace gd::db
