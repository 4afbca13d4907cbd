// The database interface every module store uses. Both back ends speak it, so a store's
// SQL is written once: placeholders are $1, $2, ... (rewritten to ?1, ?2 for SQLite) and
// only dialect-specific statements branch on dialect().
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/async.hpp"
#include "core/infra_error.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"

namespace gd::db {

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;
using Params = std::vector<Value>;

inline Value null() {
  return std::monostate{};
}

// Builds Params in a plain function: GCC 12 mishandles braced lists inside co_await
// expressions ("array used as initializer"), so coroutines write db::params(a, b, c).
template <class... A>
Params params(A&&... args) {
  Params p;
  p.reserve(sizeof...(A));
  (p.emplace_back(Value(std::forward<A>(args))), ...);
  return p;
}
// "$first, $first+1, ..., $first+n-1": the placeholders of an IN list.
std::string placeholders(std::size_t first, std::size_t n);

inline Value opt(const std::optional<std::string>& s) {
  return s ? Value(*s) : null();
}

// A fully materialised result: small, owned, and independent of the back end.
class Rows {
 public:
  void add_row(std::vector<std::optional<std::string>> row) { rows_.push_back(std::move(row)); }
  void set_affected(std::int64_t n) { affected_ = n; }

  int size() const { return static_cast<int>(rows_.size()); }
  bool empty() const { return rows_.empty(); }
  std::int64_t affected() const { return affected_; }
  bool is_null(int r, int c) const { return !cell(r, c).has_value(); }
  std::string_view text(int r, int c) const;  // "" for NULL
  std::string str(int r, int c) const { return std::string(text(r, c)); }
  std::optional<std::string> opt(int r, int c) const { return cell(r, c); }
  std::int64_t i64(int r, int c) const;
  double f64(int r, int c) const;
  bool boolean(int r, int c) const;  // accepts 1/0 and t/f
  // Row r alone.
  Rows row(int r) const {
    Rows out;
    out.rows_.push_back(rows_.at(static_cast<std::size_t>(r)));
    return out;
  }

 private:
  const std::optional<std::string>& cell(int r, int c) const;
  std::vector<std::vector<std::optional<std::string>>> rows_;
  std::int64_t affected_ = 0;
};

// One row of a streaming read (Database::scan), valid only inside the callback.
class RowView {
 public:
  virtual ~RowView() = default;
  virtual bool is_null(int c) const = 0;
  virtual std::string_view text(int c) const = 0;  // "" for NULL
  virtual std::int64_t i64(int c) const = 0;
  virtual double f64(int c) const = 0;
};

// What kind of failure a DbError is. Stores turn the expected kinds into domain results (a
// duplicate key into EMAIL_TAKEN, a serialization failure into a retry); the pipeline answers
// the temporary ones with 503 and Retry-After; the rest is infrastructure (500).
enum class ErrorKind {
  kOther,
  kUniqueViolation,       // PostgreSQL 23505; SQLite's UNIQUE and PRIMARY KEY constraints
  kSerializationFailure,  // PostgreSQL 40001 serialization_failure, 40P01 deadlock_detected
  kConnectionLost,        // SQLSTATE class 08 on a connection that was open: outcome unknown
  kUnavailable,           // no connection in time (pool exhausted, server down, not ready yet)
  kTimedOut,              // the statement ran longer than the statement timeout (57014)
};

// Thrown for database failures. `sqlstate` is PostgreSQL's code ("" for SQLite).
class DbError : public InfraError {
 public:
  DbError(ErrorKind kind, std::string sqlstate, const std::string& what)
      : InfraError(kind == ErrorKind::kUnavailable || kind == ErrorKind::kTimedOut, what),
        kind_(kind),
        sqlstate_(std::move(sqlstate)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }
  bool unique_violation() const { return kind_ == ErrorKind::kUniqueViolation; }
  bool serialization_failure() const { return kind_ == ErrorKind::kSerializationFailure; }
  bool connection_lost() const { return kind_ == ErrorKind::kConnectionLost; }

 private:
  ErrorKind kind_;
  std::string sqlstate_;
};

class Tx {
 public:
  virtual ~Tx() = default;
  virtual Task<Rows> exec(std::string sql, Params params = {}) = 0;
};

enum class Dialect { kSqlite, kPostgres };

struct PoolStats {
  std::size_t size = 0;     // open connections
  std::size_t in_use = 0;   // checked out
  std::size_t waiting = 0;  // coroutines waiting for a connection
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // A read outside any transaction (SQLite: a pooled read connection; PostgreSQL: the pool).
  virtual Task<Rows> read(std::string sql, Params params = {}) = 0;
  // One statement in its own transaction.
  virtual Task<Rows> write(std::string sql, Params params = {}) = 0;
  // Runs body in one transaction; body returns whether to commit. Only Tx::exec may be awaited
  // inside a body: SQLite runs it on the single writer thread, where it must not suspend.
  virtual Task<void> transact(std::function<Task<bool>(Tx&)> body) = 0;
  // A read that hands rows one at a time to `each` until it returns false, without building
  // a Rows: for large or early-terminated reads. SQLite steps the statement; the default
  // reads the whole result first.
  using RowFn = std::function<bool(const RowView&)>;
  virtual Task<void> scan(std::string sql, Params params, RowFn each);
  virtual Task<bool> ping() = 0;
  virtual PoolStats pool_stats() const { return {}; }
  // Where to record how long a statement waits for its connection before it runs (the
  // gooddeeds_db_pool_wait_seconds histogram): PostgreSQL, the pool's acquire; SQLite, the
  // queue of the single writer thread (reads open a connection of their own, never wait).
  // Set once at start-up.
  virtual void observe_waits(Histogram* waits) = 0;

  // Commits when the body's Result is ok, rolls back otherwise. The body is stored in this
  // coroutine's frame for the whole transaction, so a capturing lambda is safe here.
  template <class T, class F>
  Task<Result<T>> transaction(F body) {
    std::optional<Result<T>> out;
    co_await transact([&out, &body](Tx& tx) -> Task<bool> {
      out.emplace(co_await body(tx));
      co_return out->ok();
    });
    co_return std::move(*out);
  }
};

struct OpenOptions {
  std::string url;             // sqlite:PATH or postgres://...
  std::size_t pool_size = 8;   // PostgreSQL connections / SQLite read connections
  int busy_timeout_ms = 5000;  // SQLite
  int acquire_timeout_ms = 5000;
  // PostgreSQL: statement_timeout and idle_in_transaction_session_timeout of every pooled
  // connection (0: none), so no statement and no forgotten transaction runs unbounded.
  int statement_timeout_ms = 30'000;
  // PostgreSQL: connect and migrate on a background thread, retrying with back-off, instead
  // of failing at once; until that has succeeded every operation is kUnavailable.
  bool migrate_in_background = false;
};

}  // namespace gd::db
