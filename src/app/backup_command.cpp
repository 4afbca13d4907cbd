// `gooddeeds backup` and `gooddeeds restore`: a consistent copy of the database while the
// server runs, and the way back. SQLite: the online backup API inside one read transaction
// (a fixed WAL snapshot: the server's writer is never blocked and the copy never restarts).
// PostgreSQL: pg_dump --format=custom and pg_restore, with the password in a temporary
// passfile, never on a command line. docs/operations.md "Backups and restore".
#include <fcntl.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/command_options.hpp"
#include "core/embedded.hpp"
#include "store/open.hpp"

extern char** environ;

namespace gd::app {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

// Pages copied per sqlite3_backup_step (4 MiB at the default 4 KiB page size): the progress
// is reported between steps; the snapshot is held throughout, so the size does not change
// what the copy contains.
constexpr int kPagesPerStep = 1024;

// A refusal or failure the operator can act on: printed as it is, exit code 1.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The newest migration this binary knows for a back end ("sqlite" or "postgres").
int newest_known_migration(std::string_view backend) {
  int newest = 0;
  for (const auto& f : embedded::in_dir("src/store/migrations/" + std::string(backend) + "/"))
    newest = std::max(newest, std::stoi(std::string(f.name)));
  return newest;
}

void check_schema_version(int version, std::string_view backend) {
  if (version <= 0) throw Refused("it holds no applied migration: not a Good Deeds database");
  const int known = newest_known_migration(backend);
  if (version > known)
    throw Refused("it was made by a newer gooddeeds (schema version " + std::to_string(version) +
                  ", this binary knows up to " + std::to_string(known) +
                  "): restore it with that version or a later one");
}

// The first bytes of a file, to tell a SQLite database from a pg_dump archive.
std::string file_magic(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Refused("cannot read " + path.string() + ": " + std::strerror(errno));
  std::string head(16, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}
bool is_sqlite_file(const std::string& magic) {
  return magic == std::string("SQLite format 3\0", 16);
}
bool is_pg_archive(const std::string& magic) {
  return magic.rfind("PGDMP", 0) == 0;
}

// fsync of a file, then of its directory after a rename, so a finished backup survives a crash.
void sync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path.string() + ": " + strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("fsync " + path.string() + ": " + strerror(errno));
}

// Moves a finished temporary file to its final name atomically and durably.
void publish(const fs::path& tmp, const fs::path& out) {
  sync_path(tmp, false);
  fs::rename(tmp, out);
  const auto dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  sync_path(dir, true);
}

// A temporary name next to `out` (same file system, so the rename is atomic).
fs::path temp_next_to(const fs::path& out) {
  return fs::path(out.string() + ".tmp-" + std::to_string(::getpid()));
}

void remove_sqlite_files(const fs::path& db) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    fs::remove(fs::path(db.string() + suffix), ec);
}

// --- SQLite -------------------------------------------------------------------------------

class Sqlite {
 public:
  Sqlite(const fs::path& path, int flags) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw Refused("cannot open " + path.string() + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10'000);
  }
  ~Sqlite() { sqlite3_close(db_); }
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  // Runs `sql`; returns the first column of every row as text.
  std::vector<std::string> column(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw Refused(std::string(sqlite3_errmsg(db_)) + " (" + sql + ")");
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(st, 0);
      out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw Refused(std::string(sqlite3_errmsg(db_)) + " (" + sql + ")");
    return out;
  }
  std::string value(const std::string& sql) {
    const auto rows = column(sql);
    return rows.empty() ? "" : rows.front();
  }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

bool has_table(Sqlite& db, const std::string& name) {
  return db.value("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '" + name +
                  "'") != "0";
}

// Copies the whole of `from` into `to` through the online backup API, kPagesPerStep pages at
// a time; returns the number of pages copied.
int copy_pages(Sqlite& from, Sqlite& to, const fs::path& label) {
  sqlite3_backup* b = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (!b) throw Refused("cannot start the copy: " + std::string(sqlite3_errmsg(to.handle())));
  int rc;
  int last_report = -1;
  while ((rc = sqlite3_backup_step(b, kPagesPerStep)) == SQLITE_OK || rc == SQLITE_BUSY ||
         rc == SQLITE_LOCKED) {
    const int total = sqlite3_backup_pagecount(b);
    const int percent = total ? 100 * (total - sqlite3_backup_remaining(b)) / total : 100;
    if (percent / 10 != last_report / 10 && total > 10 * kPagesPerStep) {
      std::cerr << label.string() << ": " << percent << "% of " << total << " pages\n";
      last_report = percent;
    }
    if (rc != SQLITE_OK) sqlite3_sleep(20);  // only the destination can be busy
  }
  const int pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    throw Refused("copy failed: " + std::string(sqlite3_errstr(rc)) + ": " +
                  sqlite3_errmsg(to.handle()));
  return pages;
}

int sqlite_schema_version(Sqlite& db) {
  if (!has_table(db, "schema_migrations"))
    throw Refused("it has no schema_migrations table: not a Good Deeds database");
  return std::stoi("0" + db.value("SELECT max(version) FROM schema_migrations"));
}

// True when `a` and `b` name one file (both exist).
bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

void backup_sqlite(const fs::path& src_path, const fs::path& out) {
  if (!fs::exists(src_path)) throw Refused("no database at " + src_path.string());
  if (same_file(src_path, out))
    throw Refused("--out names the database itself: write the backup elsewhere");
  const auto started = std::chrono::steady_clock::now();
  Sqlite src(src_path, SQLITE_OPEN_READONLY);
  // One read transaction across every step: in WAL mode it pins a snapshot, so the copy is
  // the database as of this moment, the server's writer goes on appending to the WAL
  // meanwhile, and other processes' commits do not restart the copy.
  src.column("BEGIN");
  int version;
  try {
    version = sqlite_schema_version(src);
  } catch (const Refused& e) {
    throw Refused(src_path.string() + ": " + e.what());
  }
  const auto tmp = temp_next_to(out);
  remove_sqlite_files(tmp);
  int pages = 0;
  try {
    Sqlite dst(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    pages = copy_pages(src, dst, out);
    // A self-contained file: no -wal or -shm beside it when it is copied elsewhere.
    dst.column("PRAGMA journal_mode=DELETE");
  } catch (...) {
    remove_sqlite_files(tmp);
    throw;
  }
  src.column("COMMIT");
  publish(tmp, out);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::cout << "backup of " << src_path.string() << " (schema version " << version
            << ") written to " << out.string() << ": " << fs::file_size(out) << " bytes, " << pages
            << " pages in " << ms << " ms\n";
}

void restore_sqlite(const fs::path& in, const fs::path& dst_path, bool force) {
  // The backup first: a database, intact, made by Good Deeds and not by a newer version.
  int version;
  {
    Sqlite src(in, SQLITE_OPEN_READONLY);
    try {
      const auto check = src.column("PRAGMA integrity_check");
      if (check.size() != 1 || check.front() != "ok")
        throw Refused("it fails the integrity check: " +
                      (check.empty() ? std::string("no answer") : check.front()));
      version = sqlite_schema_version(src);
      check_schema_version(version, "sqlite");
    } catch (const Refused& e) {
      throw Refused(in.string() + ": " + e.what());
    }
  }
  if (same_file(in, dst_path)) throw Refused("--in names the database itself");
  const bool existed = fs::exists(dst_path);
  if (existed && fs::file_size(dst_path) > 0) {
    Sqlite dst(dst_path, SQLITE_OPEN_READONLY);
    const auto tables = dst.value("SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
    if (tables != "0" && !force)
      throw Refused(dst_path.string() + " is not empty (" + tables +
                    " tables): stop the server and pass --force to replace it");
  }
  if (!dst_path.parent_path().empty()) fs::create_directories(dst_path.parent_path());
  Sqlite src(in, SQLITE_OPEN_READONLY);
  src.column("BEGIN");
  int pages = 0;
  try {
    // Into the destination through SQLite itself: one write transaction, so an existing
    // database (and its WAL) is replaced whole or not at all.
    Sqlite dst(dst_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    pages = copy_pages(src, dst, dst_path);
    dst.column("PRAGMA journal_mode=WAL");
  } catch (...) {
    if (!existed) remove_sqlite_files(dst_path);
    throw;
  }
  src.column("COMMIT");
  std::cout << "restored " << in.string() << " (schema version " << version << ", " << pages
            << " pages) into " << dst_path.string() << "\n";
}

// --- PostgreSQL ---------------------------------------------------------------------------

// An executable on PATH, or nothing.
std::optional<fs::path> on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const fs::path candidate = fs::path(end > start ? dirs.substr(start, end - start) : ".") / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

fs::path pg_tool(const std::string& name) {
  if (auto p = on_path(name)) return *p;
  throw Refused(name +
                " not found on PATH: install the PostgreSQL client tools of the server's major "
                "version (Debian: postgresql-client-15)");
}

std::vector<std::string> own_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

// A libpq connection string value, quoted.
std::string conninfo_quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

// A passfile line's field: ':' and '\' are escaped.
std::string passfile_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == ':' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The connection of a postgres:// URL, split in what may be shown (a connection string for
// --dbname, without the password) and the password, which goes to a temporary passfile that
// only this user can read and that is removed when the tool has finished.
class PgConnection {
 public:
  explicit PgConnection(const std::string& url) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
    if (!opts) {
      const std::string msg = err ? err : "out of memory";
      PQfreemem(err);
      throw Refused("bad database URL: " + msg);
    }
    std::optional<std::string> password;
    for (auto* o = opts; o->keyword; ++o) {
      if (!o->val) continue;
      const std::string key = o->keyword;
      if (key == "password") {
        password = o->val;
      } else if (key == "sslpassword") {
        PQconninfoFree(opts);
        throw Refused("sslpassword in the database URL: use a client key without a passphrase");
      } else {
        shown_ += (shown_.empty() ? "" : " ") + key + "=" + conninfo_quote(o->val);
      }
    }
    PQconninfoFree(opts);
    if (!password) return;
    std::string tmpl = (fs::temp_directory_path() / "gooddeeds-pgpass-XXXXXX").string();
    const int fd = ::mkstemp(tmpl.data());  // mode 0600
    if (fd < 0)
      throw std::runtime_error("cannot create a passfile: " + std::string(strerror(errno)));
    passfile_ = tmpl;
    const std::string line = "*:*:*:*:" + passfile_escape(*password) + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write the passfile " + passfile_);
  }
  ~PgConnection() {
    if (!passfile_.empty()) ::unlink(passfile_.c_str());
  }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  const std::string& conninfo() const { return shown_; }
  // The environment of a client tool: ours, with PGPASSFILE naming the passfile.
  std::vector<std::string> environment() const {
    auto env = own_environment();
    if (passfile_.empty()) return env;
    std::erase_if(env, [](const std::string& e) { return e.rfind("PGPASSFILE=", 0) == 0; });
    env.push_back("PGPASSFILE=" + passfile_);
    return env;
  }

 private:
  std::string shown_;
  std::string passfile_;
};

// Runs `argv` with `env`; its stderr is ours. Returns its exit status, and its standard
// output when `capture` is set (else that is ours too).
int run_tool(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             std::string* capture = nullptr) {
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (capture) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe: " + std::string(strerror(errno)));
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (capture) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (capture) ::close(pipe_fds[0]);
    throw Refused("cannot run " + argv[0] + ": " + strerror(rc));
  }
  if (capture) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) capture->append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class PgSession {
 public:
  explicit PgSession(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) {
      const std::string msg = PQerrorMessage(c_);
      PQfinish(c_);
      throw Refused("cannot connect to the database: " + msg);
    }
  }
  ~PgSession() { PQfinish(c_); }
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;
  std::string value(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const auto st = PQresultStatus(r);
    const std::string v = st == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)
                              ? PQgetvalue(r, 0, 0)
                              : "";
    const std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) throw Refused("postgres: " + err);
    return v;
  }

 private:
  PGconn* c_;
};

void backup_postgres(const std::string& url, const fs::path& out) {
  const auto pg_dump = pg_tool("pg_dump");
  {
    PgSession source(url);
    if (source.value("SELECT to_regclass('schema_migrations') IS NOT NULL") != "t")
      throw Refused("the database has no schema_migrations table: not a Good Deeds database");
  }
  const PgConnection conn(url);
  const auto tmp = temp_next_to(out);
  const auto started = std::chrono::steady_clock::now();
  // pg_dump reads everything in one repeatable-read transaction: a consistent snapshot while
  // the server writes. -w: fail instead of asking for a password on the terminal.
  const int rc = run_tool({pg_dump.string(), "--format=custom", "--no-password",
                           "--file=" + tmp.string(), "--dbname=" + conn.conninfo()},
                          conn.environment());
  if (rc != 0) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Refused("pg_dump failed (exit status " + std::to_string(rc) + ")");
  }
  publish(tmp, out);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::cout << "backup written to " << out.string()
            << " (pg_dump custom format): " << fs::file_size(out) << " bytes in " << ms << " ms\n";
}

// The versions in the schema_migrations data of a pg_dump archive (COPY text format).
int archive_schema_version(const fs::path& pg_restore, const fs::path& in) {
  std::string data;
  const int rc = run_tool(
      {pg_restore.string(), "--data-only", "--table=schema_migrations", "--file=-", in.string()},
      own_environment(), &data);
  if (rc != 0)
    throw Refused(in.string() + ": pg_restore cannot read it (exit status " + std::to_string(rc) +
                  ")");
  int newest = 0;
  bool in_copy = false;
  std::size_t start = 0;
  while (start < data.size()) {
    const auto end = std::min(data.find('\n', start), data.size());
    const std::string line = data.substr(start, end - start);
    start = end + 1;
    if (line.rfind("COPY ", 0) == 0 && line.find("schema_migrations") != std::string::npos) {
      in_copy = true;
    } else if (line == "\\.") {
      in_copy = false;
    } else if (in_copy && !line.empty()) {
      newest = std::max(newest, std::atoi(line.c_str()));
    }
  }
  return newest;
}

void restore_postgres(const std::string& url, const fs::path& in) {
  const auto pg_restore = pg_tool("pg_restore");
  const int version = archive_schema_version(pg_restore, in);
  try {
    check_schema_version(version, "postgres");
  } catch (const Refused& e) {
    throw Refused(in.string() + ": " + e.what());
  }
  {
    // Tables, views and sequences outside the system schemas that no extension owns (a
    // template's PostGIS tables do not count).
    PgSession target(url);
    const auto n = target.value(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_toast%' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')");
    if (n != "0")
      throw Refused("the database is not empty (" + n +
                    " relations): restore into a new database (createdb)");
  }
  const PgConnection conn(url);
  // One transaction: the restore lands whole or not at all. Objects belong to the user of
  // --database (--no-owner), grants of the old server's roles are left out (--no-acl).
  const int rc =
      run_tool({pg_restore.string(), "--no-password", "--exit-on-error", "--single-transaction",
                "--no-owner", "--no-acl", "--dbname=" + conn.conninfo(), in.string()},
               conn.environment());
  if (rc != 0) throw Refused("pg_restore failed (exit status " + std::to_string(rc) + ")");
  PgSession target(url);
  const auto restored = target.value("SELECT max(version) FROM schema_migrations");
  if (restored != std::to_string(version))
    throw Refused("the restored database has schema version '" + restored + "', expected " +
                  std::to_string(version));
  target.value("ANALYZE");  // pg_restore leaves the planner without statistics
  std::cout << "restored " << in.string() << " (schema version " << version << ") into "
            << conn.conninfo() << "\n";
}

int run_guarded(const char* command, const std::function<void()>& body) {
  try {
    body();
    return 0;
  } catch (const Refused& e) {
    std::cerr << "gooddeeds " << command << ": " << e.what() << "\n";
    return 1;
  } catch (const po::error& e) {
    std::cerr << "gooddeeds " << command << ": " << e.what() << " (see --help)\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "gooddeeds " << command << ": " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

int backup_command(int argc, char** argv) {
  return run_guarded("backup", [&] {
    std::string url, out;
    po::options_description opts(
        "gooddeeds backup --database URL --out FILE\n\n"
        "Writes a consistent copy of the database while the server runs, readable by its\n"
        "owner alone (mode 0600). SQLite: the online backup API inside one read snapshot, to\n"
        "FILE.tmp-PID, then renamed to FILE (an existing FILE is replaced). PostgreSQL:\n"
        "pg_dump --format=custom (pg_dump on PATH; the URL's password goes through a\n"
        "temporary passfile, never onto a command line). Exit 1 on failure");
    opts.add_options()("help,h", "show this help");
    add_database_option(opts, url);
    opts.add_options()("out", po::value(&out)->required(), "the backup file to write");
    if (!parse_options(argc, argv, opts)) return;
    url = required_database(url);
    const auto dir = fs::path(out).parent_path();
    if (!dir.empty() && !fs::is_directory(dir))
      throw Refused("no directory " + dir.string() + " for " + out);
    ::umask(077);  // the backup holds every account: readable by its owner alone
    if (db::is_postgres_url(url)) {
      backup_postgres(url, out);
    } else {
      backup_sqlite(db::sqlite_path(url), out);
    }
  });
}

int restore_command(int argc, char** argv) {
  return run_guarded("restore", [&] {
    std::string url, in;
    bool force = false;
    po::options_description opts(
        "gooddeeds restore --database URL --in FILE [--force]\n\n"
        "Restores a file written by `gooddeeds backup`; the server must not be running on the\n"
        "database. SQLite: FILE must pass PRAGMA integrity_check and hold Good Deeds's\n"
        "schema_migrations; an existing non-empty database is replaced only with --force.\n"
        "PostgreSQL: pg_restore (on PATH) into an empty database, in one transaction. A backup\n"
        "from an older version is migrated forward when the server starts; one from a newer\n"
        "version is refused. Exit 1 on refusal or failure");
    opts.add_options()("help,h", "show this help");
    add_database_option(opts, url);
    opts.add_options()("in", po::value(&in)->required(), "the backup file to read")(
        "force", po::bool_switch(&force), "SQLite: replace a database that is not empty");
    if (!parse_options(argc, argv, opts)) return;
    url = required_database(url);
    if (!fs::exists(in)) throw Refused("no backup file at " + in);
    const auto magic = file_magic(in);
    if (db::is_postgres_url(url)) {
      if (is_sqlite_file(magic))
        throw Refused(in + " is a SQLite database: restore it into a sqlite: URL");
      if (!is_pg_archive(magic)) throw Refused(in + " is not a pg_dump custom-format archive");
      if (force)
        throw Refused("--force applies to SQLite; PostgreSQL restores into a new database");
      restore_postgres(url, in);
    } else {
      if (is_pg_archive(magic))
        throw Refused(in + " is a pg_dump archive: restore it into a postgres:// URL");
      if (!is_sqlite_file(magic)) throw Refused(in + " is not a SQLite database");
      restore_sqlite(in, db::sqlite_path(url), force);
    }
  });
}

}  // namespace gd::app
