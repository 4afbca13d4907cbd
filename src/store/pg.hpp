// PostgreSQL access: a pool of non-blocking libpq connections whose sockets are awaited on
// Asio, so a query never blocks an I/O thread. Statements are prepared once per connection
// and cached by their SQL text. Parameters and results use PostgreSQL's text format.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/async.hpp"

typedef struct pg_result PGresult;
typedef struct pg_conn PGconn;

namespace gd::pg {

// An infrastructure failure or a server-reported error. `sqlstate` lets stores turn the
// expected ones (23505 unique_violation, 40001 serialization_failure) into domain results.
class Error : public std::runtime_error {
 public:
  Error(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool unique_violation() const { return sqlstate_ == "23505"; }
  bool serialization_failure() const { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

 private:
  std::string sqlstate_;
};

using Param = std::optional<std::string>;  // nullopt is SQL NULL
using Params = std::vector<Param>;

// Owns one PGresult.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* r);
  Rows(Rows&& o) noexcept;
  Rows& operator=(Rows&& o) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();

  int size() const;     // number of rows
  int columns() const;  // number of columns
  bool empty() const { return size() == 0; }
  std::int64_t affected() const;  // PQcmdTuples for INSERT/UPDATE/DELETE
  bool is_null(int row, int col) const;
  std::string_view get(int row, int col) const;  // "" for NULL
  std::string str(int row, int col) const { return std::string(get(row, col)); }
  std::optional<std::string> opt(int row, int col) const;
  std::int64_t i64(int row, int col) const;
  double f64(int row, int col) const;
  bool boolean(int row, int col) const;  // 't' / 'f'

 private:
  PGresult* r_ = nullptr;
};

class Pool;

// A connection checked out of the pool. Returned to the pool when destroyed. If a
// transaction was begun and neither committed nor rolled back (an exception, an early
// return), the pool rolls it back before the connection is reused.
class Conn {
 public:
  Conn(Conn&&) noexcept;
  Conn& operator=(Conn&&) = delete;
  Conn(const Conn&) = delete;
  ~Conn();

  // Runs one statement (prepared and cached on this connection). Throws pg::Error.
  Task<Rows> exec(std::string sql, Params params = {});
  Task<void> begin(std::string_view isolation = "READ COMMITTED");
  Task<void> commit();
  Task<void> rollback();

 private:
  friend class Pool;
  struct Slot;
  Conn(std::shared_ptr<Pool> pool, Slot* slot);
  std::shared_ptr<Pool> pool_;
  Slot* slot_;
};

struct PoolStats {
  std::size_t size = 0;     // open connections
  std::size_t in_use = 0;   // checked out
  std::size_t waiting = 0;  // coroutines waiting for a connection
};

struct PoolOptions {
  std::string conninfo;           // a postgres:// URL or key=value string
  std::size_t max_size = 8;       // connections opened lazily up to this many
  int acquire_timeout_ms = 5000;  // waiting longer than this throws pg::Error("57014"...)
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  static std::shared_ptr<Pool> create(boost::asio::any_io_executor executor, PoolOptions options);
  ~Pool();

  Task<Conn> acquire();
  // Convenience: acquire, run one statement, release.
  Task<Rows> exec(std::string sql, Params params = {});
  PoolStats stats() const;

  struct Impl;

 private:
  friend class Conn;
  explicit Pool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocking, single connection, for start-up work (migrations, admin commands) outside the
// event loop.
class SyncConn {
 public:
  explicit SyncConn(const std::string& conninfo);
  ~SyncConn();
  SyncConn(const SyncConn&) = delete;
  SyncConn& operator=(const SyncConn&) = delete;
  Rows exec(const std::string& sql, const Params& params = {});

 private:
  PGconn* conn_;
};

}  // namespace gd::pg
