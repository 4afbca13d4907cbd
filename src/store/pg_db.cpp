// PostgreSQL implementation of db::Database on the non-blocking pool in store/pg.hpp.
//
// Failures that nothing can have seen are retried once: a read (or a transaction's BEGIN)
// that finds its connection gone (SQLSTATE class 08) runs again on a fresh connection, so a
// restarted server or a terminated backend costs no request an error. A write or a
// transaction past BEGIN is never repeated: whether it committed is unknown.
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/db.hpp"
#include "store/open.hpp"
#include "store/pg.hpp"

namespace gd::db {
namespace {

class PgTx final : public Tx {
 public:
  explicit PgTx(pg::Conn& c) : conn_(c) {}
  Task<Rows> exec(std::string sql, Params params) override {
    co_return co_await conn_.exec(std::move(sql), std::move(params));
  }

 private:
  pg::Conn& conn_;
};

// Brings the schema up to date: at once when the server can be reached (a failing migration
// throws, as it always did), otherwise on a thread of its own, retrying with back-off, so
// that `serve` starts (and answers /healthz) without the database.
class BackgroundMigration {
 public:
  explicit BackgroundMigration(const std::string& url) {
    try {
      const int applied = migrate(url);
      spdlog::info("database ready ({} migrations applied)", applied);
      done_.store(true, std::memory_order_release);
      return;
    } catch (const DbError& e) {
      if (e.kind() != ErrorKind::kUnavailable) throw;
      spdlog::warn("database not reachable, serving without it until it is: {}", e.what());
    }
    thread_ = std::thread([this, url] { run(url); });
  }
  ~BackgroundMigration() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  BackgroundMigration(const BackgroundMigration&) = delete;
  BackgroundMigration& operator=(const BackgroundMigration&) = delete;

  bool done() const { return done_.load(std::memory_order_acquire); }

 private:
  static constexpr auto kFirstDelay = std::chrono::milliseconds(250);
  static constexpr auto kMaxDelay = std::chrono::seconds(5);

  void run(const std::string& url) {
    auto delay = std::chrono::milliseconds(kFirstDelay);
    for (int attempt = 1;; ++attempt) {
      try {
        const int applied = migrate(url);
        spdlog::info("database ready ({} migrations applied)", applied);
        done_.store(true, std::memory_order_release);
        return;
      } catch (const std::exception& e) {
        spdlog::warn("database not ready (attempt {}), retrying in {} ms: {}", attempt,
                     delay.count(), e.what());
      }
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, delay, [this] { return stopping_; })) return;
      delay = std::min<std::chrono::milliseconds>(delay * 2, kMaxDelay);
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::atomic<bool> done_{false};
  std::thread thread_;  // retries, when the first attempt could not connect
};

class PgDatabase final : public Database {
 public:
  PgDatabase(std::shared_ptr<pg::Pool> pool, std::unique_ptr<BackgroundMigration> migration)
      : pool_(std::move(pool)), migration_(std::move(migration)) {}
  Dialect dialect() const override { return Dialect::kPostgres; }

  Task<Rows> read(std::string sql, Params params) override {
    check_ready();
    for (int attempt = 1;; ++attempt) {
      try {
        co_return co_await pool_->exec(sql, params);
      } catch (const DbError& e) {
        if (attempt > 1 || !e.connection_lost()) throw;
        spdlog::info("postgres: connection lost, reading again: {}", e.what());
      }
    }
  }

  Task<Rows> write(std::string sql, Params params) override {
    check_ready();
    co_return co_await pool_->exec(std::move(sql), std::move(params));
  }

  Task<void> transact(std::function<Task<bool>(Tx&)> body) override {
    check_ready();
    auto conn = co_await begin();
    PgTx tx(conn);
    const bool commit = co_await body(tx);
    if (commit) {
      co_await conn.commit();
    } else {
      co_await conn.rollback();
    }
  }

  Task<bool> ping() override {
    co_await read("SELECT 1", Params());
    co_return true;
  }

  PoolStats pool_stats() const override { return pool_->stats(); }
  void observe_waits(Histogram* waits) override { pool_->observe_waits(waits); }

 private:
  void check_ready() const {
    if (migration_ && !migration_->done())
      throw DbError(ErrorKind::kUnavailable, "", "postgres: the database is not ready yet");
  }

  // A connection inside BEGIN; a connection found lost at BEGIN is replaced once.
  Task<pg::Conn> begin() {
    for (int attempt = 1;; ++attempt) {
      auto conn = co_await pool_->acquire();
      try {
        co_await conn.begin();
        co_return std::move(conn);
      } catch (const DbError& e) {
        if (attempt > 1 || !e.connection_lost()) throw;
        spdlog::info("postgres: connection lost at BEGIN, beginning again: {}", e.what());
      }
    }
  }

  std::shared_ptr<pg::Pool> pool_;
  std::unique_ptr<BackgroundMigration> migration_;  // null: migrated before opening
};

}  // namespace

std::unique_ptr<Database> open_postgres(boost::asio::any_io_executor executor,
                                        const OpenOptions& options) {
  pg::PoolOptions po;
  po.conninfo = options.url;
  po.max_size = options.pool_size;
  po.acquire_timeout_ms = options.acquire_timeout_ms;
  po.statement_timeout_ms = options.statement_timeout_ms;
  auto migration =
      options.migrate_in_background ? std::make_unique<BackgroundMigration>(options.url) : nullptr;
  return std::make_unique<PgDatabase>(pg::Pool::create(std::move(executor), std::move(po)),
                                      std::move(migration));
}

}  // namespace gd::db
