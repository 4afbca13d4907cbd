// PostgreSQL access: a pool of non-blocking libpq connections whose sockets are awaited on
// Asio, so a query never blocks an I/O thread. Statements are prepared once per connection
// and cached by their SQL text. Parameters and results use PostgreSQL's text format; results
// and failures are the storage vocabulary of store/db.hpp (db::Rows, db::DbError).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "core/async.hpp"
#include "store/db.hpp"

typedef struct pg_conn PGconn;

namespace gd::pg {

// The kind of failure a SQLSTATE names (db::ErrorKind).
db::ErrorKind kind_of(std::string_view sqlstate);

class Pool;

// A connection checked out of the pool. Returned to the pool when destroyed. If it is
// dropped with a statement still in flight (its request was cancelled: the client hung up)
// or inside a transaction (an exception, an early return), a detached coroutine first asks
// the server to cancel the statement, reads what is left of its results and rolls back; a
// connection that cannot be brought back to a known state is closed instead.
class Conn {
 public:
  Conn(Conn&&) noexcept;
  Conn& operator=(Conn&&) = delete;
  Conn(const Conn&) = delete;
  ~Conn();

  // Runs one statement (prepared and cached on this connection). Throws db::DbError.
  Task<db::Rows> exec(std::string sql, db::Params params = {});
  Task<void> begin(std::string_view isolation = "READ COMMITTED");
  Task<void> commit();
  Task<void> rollback();

 private:
  friend class Pool;
  struct Slot;
  Conn(std::shared_ptr<Pool> pool, Slot* slot);
  Task<void> recover();
  static Task<void> recover_detached(Conn conn);
  std::shared_ptr<Pool> pool_;
  Slot* slot_;
};

struct PoolOptions {
  std::string conninfo;           // a postgres:// URL or key=value string
  std::size_t max_size = 8;       // connections opened lazily up to this many
  int acquire_timeout_ms = 5000;  // waiting longer throws db::DbError(kUnavailable)
  // statement_timeout and idle_in_transaction_session_timeout of every connection; 0: none.
  int statement_timeout_ms = 0;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  static std::shared_ptr<Pool> create(boost::asio::any_io_executor executor, PoolOptions options);
  ~Pool();

  // An idle connection that still looks alive (one the server closed meanwhile, by
  // pg_terminate_backend or a restart, is dropped unused), or a new one.
  Task<Conn> acquire();
  // Convenience: acquire, run one statement, release.
  Task<db::Rows> exec(std::string sql, db::Params params = {});
  db::PoolStats stats() const;
  // Records every acquire's wait, from the call until a connection is ready (or the wait
  // fails), in `waits`.
  void observe_waits(Histogram* waits);

  struct Impl;

 private:
  friend class Conn;
  explicit Pool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocking, single connection, for start-up work (migrations, admin commands, tests) outside
// the event loop.
class SyncConn {
 public:
  explicit SyncConn(const std::string& conninfo);
  ~SyncConn();
  SyncConn(const SyncConn&) = delete;
  SyncConn& operator=(const SyncConn&) = delete;
  db::Rows exec(const std::string& sql, const db::Params& params = {});

 private:
  PGconn* conn_;
};

}  // namespace gd::pg
