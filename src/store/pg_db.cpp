// PostgreSQL implementation of db::Database on the non-blocking pool in store/pg.hpp.
#include <fmt/format.h>

#include "store/db.hpp"
#include "store/open.hpp"
#include "store/pg.hpp"

namespace gd::db {
namespace {

pg::Params to_pg(const Params& params) {
  pg::Params out;
  out.reserve(params.size());
  for (const auto& v : params) {
    if (std::holds_alternative<std::monostate>(v)) {
      out.emplace_back(std::nullopt);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      out.emplace_back(std::to_string(*n));
    } else if (const auto* d = std::get_if<double>(&v)) {
      out.emplace_back(fmt::format("{}", *d));
    } else {
      out.emplace_back(std::get<std::string>(v));
    }
  }
  return out;
}

Rows from_pg(const pg::Rows& r) {
  Rows out;
  for (int i = 0; i < r.size(); ++i) {
    std::vector<std::optional<std::string>> row;
    // Column count is not exposed by pg::Rows; read until the row's cells run out.
    for (int c = 0;; ++c) {
      if (c >= r.columns()) break;
      row.push_back(r.opt(i, c));
    }
    out.add_row(std::move(row));
  }
  out.set_affected(r.affected());
  return out;
}

// Stores only see DbError; keep the SQLSTATE in the message for the logs.
[[noreturn]] void rethrow(const pg::Error& e) {
  throw DbError(e.unique_violation(), fmt::format("postgres {}: {}", e.sqlstate(), e.what()));
}

class PgTx final : public Tx {
 public:
  explicit PgTx(pg::Conn& c) : conn_(c) {}
  Task<Rows> exec(std::string sql, Params params) override {
    try {
      co_return from_pg(co_await conn_.exec(std::move(sql), to_pg(params)));
    } catch (const pg::Error& e) {
      rethrow(e);
    }
  }

 private:
  pg::Conn& conn_;
};

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}
  Dialect dialect() const override { return Dialect::kPostgres; }

  Task<Rows> read(std::string sql, Params params) override {
    try {
      co_return from_pg(co_await pool_->exec(std::move(sql), to_pg(params)));
    } catch (const pg::Error& e) {
      rethrow(e);
    }
  }

  Task<Rows> write(std::string sql, Params params) override {
    co_return co_await read(std::move(sql), std::move(params));
  }

  Task<void> transact(std::function<Task<bool>(Tx&)> body) override {
    try {
      auto conn = co_await pool_->acquire();
      co_await conn.begin();
      PgTx tx(conn);
      const bool commit = co_await body(tx);
      if (commit) {
        co_await conn.commit();
      } else {
        co_await conn.rollback();
      }
    } catch (const pg::Error& e) {
      rethrow(e);
    }
  }

  Task<void> snapshot(std::function<Task<void>(Tx&)> body) override {
    const auto in_snapshot = [&body](Tx& tx) -> Task<bool> {
      co_await tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", Params());
      co_await body(tx);
      co_return false;  // nothing to commit
    };
    co_await transact(in_snapshot);
  }

  Task<bool> ping() override {
    co_await read("SELECT 1", Params());
    co_return true;
  }

  PoolStats pool_stats() const override {
    const auto s = pool_->stats();
    return {s.size, s.in_use, s.waiting};
  }

 private:
  std::shared_ptr<pg::Pool> pool_;
};

}  // namespace

std::unique_ptr<Database> open_postgres(boost::asio::any_io_executor executor,
                                        const OpenOptions& options) {
  pg::PoolOptions po;
  po.conninfo = options.url;
  po.max_size = options.pool_size;
  po.acquire_timeout_ms = options.acquire_timeout_ms;
  return std::make_unique<PgDatabase>(pg::Pool::create(std::move(executor), std::move(po)));
}

}  // namespace gd::db
