// SQLite implementation of db::Database.
#include "store/sqlite_db.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cassert>
#include <chrono>
#include <mutex>
#include <vector>

#include "core/offload.hpp"

namespace gd::db {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
  const int ext = db ? sqlite3_extended_errcode(db) : rc;
  const bool unique = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY;
  throw DbError(
      unique ? ErrorKind::kUniqueViolation : ErrorKind::kOther, "",
      fmt::format("sqlite: {}: {} ({})", what, db ? sqlite3_errmsg(db) : "", sqlite3_errstr(rc)));
}

void bind(sqlite3* db, sqlite3_stmt* st, int i, const Value& v) {
  int rc = SQLITE_OK;
  if (std::holds_alternative<std::monostate>(v)) {
    rc = sqlite3_bind_null(st, i);
  } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
    rc = sqlite3_bind_int64(st, i, *n);
  } else if (const auto* d = std::get_if<double>(&v)) {
    rc = sqlite3_bind_double(st, i, *d);
  } else {
    const auto& s = std::get<std::string>(v);
    rc = sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
  }
  if (rc != SQLITE_OK) fail(db, rc, "bind");
}

std::optional<std::string> column(sqlite3_stmt* st, int c) {
  switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(st, c));
    case SQLITE_FLOAT:
      return fmt::format("{}", sqlite3_column_double(st, c));
    default: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
      return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
    }
  }
}

}  // namespace

std::string sqlite_placeholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size());
  bool in_string = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') in_string = !in_string;
    const bool numbered = i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9';
    out.push_back(!in_string && c == '$' && numbered ? '?' : c);
  }
  return out;
}

SqliteConn::SqliteConn(const std::string& path, bool read_only, int busy_timeout_ms) {
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw DbError(ErrorKind::kOther, "", "sqlite: cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // Memory-mapped reads (1 GiB of address space, not memory): a page already in the OS cache
  // costs a memory access instead of a read() system call, which is what random lookups
  // (geo search, sync) are made of.
  exec_script(read_only ? "PRAGMA foreign_keys=ON; PRAGMA mmap_size=1073741824;"
                        : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                          "PRAGMA foreign_keys=ON; PRAGMA mmap_size=1073741824;");
}

SqliteConn::~SqliteConn() {
  for (auto& [sql, st] : cache_) sqlite3_finalize(st);
  sqlite3_close(db_);
}

void SqliteConn::exec_script(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    fail(db_, rc, "exec: " + msg);
  }
}

sqlite3_stmt* SqliteConn::prepare(const std::string& sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
  const std::string text = sqlite_placeholders(sql);
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                                    SQLITE_PREPARE_PERSISTENT, &st, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, "prepare: " + sql);
  cache_.emplace(sql, st);
  return st;
}

namespace {

// A row of a stepped statement, read with SQLite's own conversions.
class StmtRow final : public RowView {
 public:
  explicit StmtRow(sqlite3_stmt* st) : st_(st) {}
  bool is_null(int c) const override { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
  std::string_view text(int c) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, c)))
             : std::string_view();
  }
  std::int64_t i64(int c) const override { return sqlite3_column_int64(st_, c); }
  double f64(int c) const override { return sqlite3_column_double(st_, c); }

 private:
  sqlite3_stmt* st_;
};

}  // namespace

void SqliteConn::each_row(const std::string& sql, const Params& params,
                          const std::function<bool(sqlite3_stmt*)>& on_row) {
  sqlite3_stmt* st = prepare(sql);
  struct Reset {
    sqlite3_stmt* st;
    ~Reset() {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
    }
  } reset{st};
  for (std::size_t i = 0; i < params.size(); ++i) bind(db_, st, static_cast<int>(i + 1), params[i]);
  for (;;) {
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail(db_, rc, "step: " + sql);
    if (!on_row(st)) break;
  }
}

Rows SqliteConn::run(const std::string& sql, const Params& params) {
  Rows rows;
  each_row(sql, params, [&](sqlite3_stmt* st) {
    const int ncol = sqlite3_column_count(st);
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<std::size_t>(ncol));
    for (int c = 0; c < ncol; ++c) row.push_back(column(st, c));
    rows.add_row(std::move(row));
    return true;
  });
  rows.set_affected(sqlite3_changes(db_));
  return rows;
}

void SqliteConn::scan(const std::string& sql, const Params& params,
                      const std::function<bool(const RowView&)>& each) {
  each_row(sql, params, [&](sqlite3_stmt* st) { return each(StmtRow(st)); });
}

namespace {

class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(SqliteConn& c) : conn_(c) {}
  // Never suspends: the whole transaction body runs on the writer thread without yielding.
  Task<Rows> exec(std::string sql, Params params) override { co_return conn_.run(sql, params); }

 private:
  SqliteConn& conn_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, OpenOptions options)
      : path_(std::move(path)),
        options_(std::move(options)),
        writer_thread_(1),
        writer_(path_, false, options_.busy_timeout_ms) {}
  ~SqliteDatabase() override { writer_thread_.join(); }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Task<Rows> read(std::string sql, Params params) override {
    auto conn = checkout();
    const Return give_back{this, conn};
    co_return conn->run(sql, params);
  }

  Task<void> scan(std::string sql, Params params, RowFn each) override {
    auto conn = checkout();
    const Return give_back{this, conn};
    conn->scan(sql, params, each);
    co_return;
  }

  Task<Rows> write(std::string sql, Params params) override {
    // A named callable, not a temporary: GCC 12 destroys some temporaries inside co_await
    // expressions twice.
    auto run = [this, sql = std::move(sql), params = std::move(params),
                queued = std::chrono::steady_clock::now()] {
      observe_wait(queued);
      return writer_.run(sql, params);
    };
    co_return co_await offload(writer_thread_.get_executor(), std::move(run));
  }

  Task<void> transact(std::function<Task<bool>(Tx&)> body) override {
    co_await boost::asio::co_spawn(writer_thread_.get_executor(),
                                   run_tx(std::move(body), std::chrono::steady_clock::now()),
                                   boost::asio::use_awaitable);
  }

  void observe_waits(Histogram* waits) override { waits_.store(waits, std::memory_order_relaxed); }

  Task<bool> ping() override {
    co_await read("SELECT 1", Params());
    co_return true;
  }

 private:
  // Hands a read connection back to the pool when the read ends, however it ends.
  struct Return {
    SqliteDatabase* self;
    std::unique_ptr<SqliteConn>& conn;
    ~Return() { self->checkin(std::move(conn)); }
  };

  // On the writer thread: how long the write queued behind others.
  void observe_wait(std::chrono::steady_clock::time_point queued) const {
    if (auto* waits = waits_.load(std::memory_order_relaxed))
      waits->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - queued).count());
  }

  Task<void> run_tx(std::function<Task<bool>(Tx&)> body,
                    std::chrono::steady_clock::time_point queued) {
    observe_wait(queued);
    assert(!in_tx_ && "SQLite transactions must not interleave on the writer thread");
    in_tx_ = true;
    // Rolls back whatever is still open when the body or COMMIT throws; never throws itself
    // (SQLite may already have rolled back, e.g. after SQLITE_FULL).
    struct Guard {
      SqliteDatabase* self;
      bool open = false;
      ~Guard() {
        if (open && !sqlite3_get_autocommit(self->writer_.handle())) {
          try {
            self->writer_.exec_script("ROLLBACK");
          } catch (const std::exception& e) {
            spdlog::error("sqlite: rollback failed: {}", e.what());
          }
        }
        self->in_tx_ = false;
      }
    } guard{this};
    writer_.exec_script("BEGIN IMMEDIATE");  // SQLITE_BUSY after the busy timeout throws here
    guard.open = true;
    SqliteTx tx(writer_);
    const bool commit = co_await body(tx);
    writer_.exec_script(commit ? "COMMIT" : "ROLLBACK");
    guard.open = false;
  }

  std::unique_ptr<SqliteConn> checkout() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    return std::make_unique<SqliteConn>(path_, true, options_.busy_timeout_ms);
  }

  void checkin(std::unique_ptr<SqliteConn> c) {
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.pool_size) idle_.push_back(std::move(c));
  }

  std::string path_;
  OpenOptions options_;
  boost::asio::thread_pool writer_thread_;
  SqliteConn writer_;  // used only on writer_thread_
  bool in_tx_ = false;
  std::atomic<Histogram*> waits_{nullptr};
  std::mutex mu_;
  std::vector<std::unique_ptr<SqliteConn>> idle_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, const OpenOptions& options) {
  return std::make_unique<SqliteDatabase>(path, options);
}

}  // namespace gd::db
