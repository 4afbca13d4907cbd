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

// Thrown for database failures. unique_violation lets a store turn a duplicate key into a
// domain error (EMAIL_TAKEN); everything else is infrastructure.
// One row of a streaming read (Database::scan), valid only inside the callback.
class RowView {
 public:
  virtual ~RowView() = default;
  virtual bool is_null(int c) const = 0;
  virtual std::string_view text(int c) const = 0;  // "" for NULL
  virtual std::int64_t i64(int c) const = 0;
  virtual double f64(int c) const = 0;
};

class DbError : public std::runtime_error {
 public:
  DbError(bool unique_violation, const std::string& what)
      : std::runtime_error(what), unique_violation_(unique_violation) {}
  bool unique_violation() const { return unique_violation_; }

 private:
  bool unique_violation_;
};

class Tx {
 public:
  virtual ~Tx() = default;
  virtual Task<Rows> exec(std::string sql, Params params = {}) = 0;
};

enum class Dialect { kSqlite, kPostgres };

struct PoolStats {
  std::size_t size = 0;
  std::size_t in_use = 0;
  std::size_t waiting = 0;
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
  // Runs body in one read-only transaction that sees a single snapshot across all its
  // statements (SQLite: a read connection inside BEGIN; PostgreSQL: REPEATABLE READ). The
  // body may also await other I/O (a streamed response's writes): the connection stays
  // taken meanwhile.
  virtual Task<void> snapshot(std::function<Task<void>(Tx&)> body) = 0;
  virtual Task<bool> ping() = 0;
  virtual PoolStats pool_stats() const { return {}; }

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
};

}  // namespace gd::db
