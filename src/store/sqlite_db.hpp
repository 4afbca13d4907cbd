// SQLite back end: WAL mode, one writer thread that runs every write and transaction,
// reads on pooled read-only connections in the calling thread (WAL readers never block).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>

#include "store/db.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gd::db {

// One connection with a cache of prepared statements keyed by their SQL text.
class SqliteConn {
 public:
  SqliteConn(const std::string& path, bool read_only, int busy_timeout_ms);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  Rows run(const std::string& sql, const Params& params);
  // Streams rows to `each` until it returns false.
  void scan(const std::string& sql, const Params& params,
            const std::function<bool(const RowView&)>& each);
  void exec_script(const std::string& sql);  // several statements, no parameters
  sqlite3* handle() { return db_; }

 private:
  sqlite3_stmt* prepare(const std::string& sql);
  void each_row(const std::string& sql, const Params& params,
                const std::function<bool(sqlite3_stmt*)>& on_row);
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

std::unique_ptr<Database> open_sqlite(const std::string& path, const OpenOptions& options);
// SQLite placeholders: $1 -> ?1, leaving string literals alone.
std::string sqlite_placeholders(const std::string& sql);

}  // namespace gd::db
