// PostgreSQL pool on non-blocking libpq. Every wait for the server is an Asio wait on
// libpq's socket, so an I/O thread never blocks on the database.
//
// Threading: the pool is shared by coroutines on many strands of one multi-threaded
// io_context. Pool state lives behind one mutex that is never held across a co_await; a
// connection (Conn::Slot) is touched by one coroutine at a time and needs no lock.
#include "store/pg.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/offload.hpp"

namespace gd::pg {
namespace {

namespace asio = boost::asio;
using asio::posix::descriptor_base;
using namespace asio::experimental::awaitable_operators;

using db::DbError;
using db::ErrorKind;

constexpr const char* kConnectionFailure = "08006";  // connection_failure
constexpr const char* kUnableToConnect = "08001";    // sqlclient_unable_to_establish_sqlconnection
// How long an abandoned statement may take to be cancelled and drained before its
// connection is closed instead.
constexpr auto kRecoveryTimeout = std::chrono::seconds(5);

// SQLSTATE and message, kept together in the message for the logs.
DbError error(const std::string& sqlstate, const std::string& message) {
  return DbError(kind_of(sqlstate), sqlstate, fmt::format("postgres {}: {}", sqlstate, message));
}

// libpq's messages end in a newline, which would only clutter logs.
std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string message_of(const PGconn* pg) {
  std::string s = pg ? trimmed(PQerrorMessage(pg)) : std::string();
  return s.empty() ? "connection to the database lost" : s;
}

// A server-reported error; PGRES_BAD_RESPONSE carries no SQLSTATE, so call it a
// protocol violation.
DbError error_of(const PGresult* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return error(state ? state : "08P01", trimmed(PQresultErrorMessage(r)));
}

// Copies a result into the storage vocabulary's Rows.
db::Rows rows_of(const PGresult* r) {
  db::Rows out;
  const int rows = PQntuples(r), columns = PQnfields(r);
  for (int i = 0; i < rows; ++i) {
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r, i, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::in_place, PQgetvalue(r, i, c),
                         static_cast<std::size_t>(PQgetlength(r, i, c)));
      }
    }
    out.add_row(std::move(row));
  }
  const char* n = PQcmdTuples(const_cast<PGresult*>(r));
  std::int64_t affected = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), affected);  // "" (not DML) stays 0
  out.set_affected(affected);
  return out;
}

// Parameters in PostgreSQL's text format; `values` points into `texts` (NULL for SQL NULL).
struct TextParams {
  explicit TextParams(const db::Params& params) {
    texts.reserve(params.size());
    values.reserve(params.size());
    for (const auto& v : params) {
      if (std::holds_alternative<std::monostate>(v)) {
        texts.emplace_back();
      } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
        texts.push_back(std::to_string(*n));
      } else if (const auto* d = std::get_if<double>(&v)) {
        texts.push_back(fmt::format("{}", *d));
      } else {
        texts.push_back(std::get<std::string>(v));
      }
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      values.push_back(std::holds_alternative<std::monostate>(params[i]) ? nullptr
                                                                         : texts[i].c_str());
    }
  }
  int size() const { return static_cast<int>(values.size()); }
  std::vector<std::string> texts;
  std::vector<const char*> values;
};

// Borrows libpq's socket for the duration of one operation. Registering the fd per
// operation (rather than once per connection) keeps idle connections free of Asio state,
// so a pool may outlive its io_context, and survives libpq swapping sockets while it
// connects. release() hands the fd back instead of closing it: libpq owns it.
class Socket {
 public:
  Socket(const asio::any_io_executor& ex, int fd) : sd_(ex) {
    if (fd < 0) throw error(kConnectionFailure, "connection to the database has no socket");
    sd_.assign(fd);
  }
  ~Socket() {
    if (sd_.is_open()) sd_.release();
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  Task<void> wait(descriptor_base::wait_type w) { co_await sd_.async_wait(w, asio::use_awaitable); }
  // While flushing, libpq must also read: the server may be blocked sending to us.
  Task<void> wait_read_or_write() {
    co_await (wait(descriptor_base::wait_read) || wait(descriptor_base::wait_write));
  }

 private:
  asio::posix::stream_descriptor sd_;
};

bool valid_isolation(std::string_view level) {
  static constexpr std::string_view kLevels[] = {"READ COMMITTED", "REPEATABLE READ",
                                                 "SERIALIZABLE", "READ UNCOMMITTED"};
  return std::find(std::begin(kLevels), std::end(kLevels), level) != std::end(kLevels);
}

}  // namespace

db::ErrorKind kind_of(std::string_view sqlstate) {
  if (sqlstate == "23505") return ErrorKind::kUniqueViolation;
  if (sqlstate == "40001" || sqlstate == "40P01") return ErrorKind::kSerializationFailure;
  if (sqlstate == "57014") return ErrorKind::kTimedOut;  // statement_timeout (or a cancel)
  // Could not connect: refused, rejected, too many connections, starting up or shutting down.
  if (sqlstate == "08001" || sqlstate == "08004" || sqlstate == "53300" || sqlstate == "57P03")
    return ErrorKind::kUnavailable;
  if (sqlstate.substr(0, 2) == "08") return ErrorKind::kConnectionLost;
  return ErrorKind::kOther;
}

// ---- One connection ----------------------------------------------------------------------

struct Conn::Slot {
  explicit Slot(asio::any_io_executor e) : ex(std::move(e)) {}
  ~Slot() {
    if (pg) PQfinish(pg);
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  bool open() const { return pg && PQstatus(pg) == CONNECTION_OK; }
  // Fit to hand to the next user: open, and the protocol is in a known state.
  bool reusable() const { return open() && !busy; }
  bool in_transaction() const { return PQtransactionStatus(pg) != PQTRANS_IDLE; }
  // An idle connection has nothing to read; a readable one was closed by the server
  // (pg_terminate_backend, a restart: a FATAL message and end of file) or holds a message
  // nobody asked for. Either way it is not worth the risk. One poll(2), no round trip.
  bool looks_alive() const {
    if (!open()) return false;
    pollfd p{PQsocket(pg), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  Task<void> connect(const std::string& conninfo, int statement_timeout_ms);
  Task<db::Rows> exec(const std::string& sql, const db::Params& params);
  Task<db::Rows> simple(const char* sql);
  Task<db::Rows> finish(Socket& sock);
  Task<void> recover(asio::thread_pool& canceller);
  void sent(int ok);
  [[noreturn]] void fail(const char* why = nullptr) const;

  asio::any_io_executor ex;  // the pool's; only used to register the socket
  PGconn* pg = nullptr;
  std::unordered_map<std::string, std::string> statements;  // SQL text -> prepared name
  std::size_t next_statement = 0;
  bool busy = false;        // a command is in flight: if abandoned, the protocol is lost
  bool recovering = false;  // a detached recovery (cancel, drain, roll back) owns the slot
};

// A lost connection always surfaces as 08006, whatever libpq or the server said last
// (a terminated backend, for one, sends 57P01 before closing), so callers can retry.
void Conn::Slot::fail(const char* why) const {
  throw error(kConnectionFailure, why ? why : message_of(pg));
}

// Marks the start of a command; `ok` is the result of the PQsend* call.
void Conn::Slot::sent(int ok) {
  busy = true;
  if (!ok) fail();
}

Task<void> Conn::Slot::connect(const std::string& conninfo, int statement_timeout_ms) {
  pg = PQconnectStart(conninfo.c_str());
  if (!pg) throw error(kUnableToConnect, "out of memory allocating a database connection");
  // Per libpq's docs, the first poll is preceded by waiting for writability.
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED || PQstatus(pg) == CONNECTION_BAD) {
      throw error(kUnableToConnect, message_of(pg));
    }
    {
      // A fresh registration per wait: libpq may have replaced the socket in the last poll.
      Socket sock(ex, PQsocket(pg));
      co_await sock.wait(status == PGRES_POLLING_READING ? descriptor_base::wait_read
                                                         : descriptor_base::wait_write);
    }
    status = PQconnectPoll(pg);
  }
  if (PQsetnonblocking(pg, 1) != 0) throw error(kUnableToConnect, message_of(pg));
  // Short OLTP statements: JIT compilation costs more than it saves (100+ ms for a geo search
  // whose estimated cost crosses jit_above_cost), and parallel plans for them are slower and
  // mislead the planner away from index-ordered (KNN) scans. The timeouts bound what a
  // statement, or a transaction left open, may cost the server.
  const std::string timeout = std::to_string(std::max(0, statement_timeout_ms));
  co_await exec(
      "SELECT set_config('jit', 'off', false), "
      "set_config('max_parallel_workers_per_gather', '0', false), "
      "set_config('statement_timeout', $1, false), "
      "set_config('idle_in_transaction_session_timeout', $1, false)",
      db::params(timeout));
}

// Prepares each distinct SQL text once per connection. The cache is unbounded on purpose:
// the application's statements are a fixed set of literals.
Task<db::Rows> Conn::Slot::exec(const std::string& sql, const db::Params& params) {
  if (busy) fail("connection is unusable after an abandoned query");
  Socket sock(ex, PQsocket(pg));
  auto it = statements.find(sql);
  if (it == statements.end()) {
    std::string name = "s" + std::to_string(++next_statement);
    sent(PQsendPrepare(pg, name.c_str(), sql.c_str(), 0, nullptr));
    co_await finish(sock);  // a syntax error throws here and caches nothing
    it = statements.emplace(sql, std::move(name)).first;
  }
  const TextParams text(params);
  sent(PQsendQueryPrepared(pg, it->second.c_str(), text.size(), text.values.data(), nullptr,
                           nullptr, 0));
  co_return co_await finish(sock);
}

Task<db::Rows> Conn::Slot::simple(const char* sql) {
  if (busy) fail("connection is unusable after an abandoned query");
  Socket sock(ex, PQsocket(pg));
  sent(PQsendQuery(pg, sql));
  co_return co_await finish(sock);
}

// Flushes the command, then drains every result so the connection is ready for the next
// command even when this one failed. Returns the last result; throws the first error.
Task<db::Rows> Conn::Slot::finish(Socket& sock) {
  for (int r; (r = PQflush(pg)) != 0;) {
    if (r < 0) fail();
    co_await sock.wait_read_or_write();
    if (!PQconsumeInput(pg)) fail();
  }
  db::Rows last;
  std::optional<DbError> failure;
  for (;;) {
    while (PQisBusy(pg)) {
      co_await sock.wait(descriptor_base::wait_read);
      if (!PQconsumeInput(pg)) fail();
    }
    PGresult* r = PQgetResult(pg);
    if (!r) break;
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
      if (!failure) failure = error_of(r);
    } else if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      PQclear(r);
      fail("COPY is not supported on pooled connections");  // would never drain
    } else {
      last = rows_of(r);
    }
    PQclear(r);
  }
  if (PQstatus(pg) != CONNECTION_OK) fail();
  busy = false;
  if (failure) throw *failure;
  co_return last;
}

// Brings a connection dropped mid-statement or mid-transaction back to idle. libpq's
// PQcancel blocks (it opens a connection of its own), so it runs on the canceller thread;
// then the statement's results (or its 57014 error) are read off and the transaction is
// rolled back. Throws, leaving the slot busy, when the connection cannot be recovered.
Task<void> Conn::Slot::recover(asio::thread_pool& canceller) {
  if (busy) {
    if (PGcancel* cancel = PQgetCancel(pg)) {
      co_await offload(canceller.get_executor(), [cancel] {
        std::array<char, 256> why{};
        if (!PQcancel(cancel, why.data(), static_cast<int>(why.size())))
          spdlog::warn("postgres: cancelling an abandoned statement failed: {}", why.data());
        PQfreeCancel(cancel);
      });
    }
    Socket sock(ex, PQsocket(pg));
    try {
      co_await finish(sock);
    } catch (const DbError&) {
      if (busy) throw;  // the connection broke; the statement's own error (57014) is expected
    }
  }
  if (in_transaction()) co_await simple("ROLLBACK");
}

// ---- The pool ---------------------------------------------------------------------------

namespace {

// Wakes one waiting acquire(). A concurrent_channel because release() runs on whatever
// thread dropped a Conn while the waiter sits on its own strand; the buffer of one means a
// wake-up sent before the waiter starts receiving is not lost.
using Signal = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

}  // namespace

struct Pool::Impl {
  // What acquire() may do next: use `slot`, or (open) connect a new one within the size
  // limit, or neither, meaning wait.
  struct Grant {
    std::unique_ptr<Conn::Slot> slot;
    bool open = false;
    bool any() const { return slot || open; }
  };
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : signal(ex, 1) {}
    Signal signal;
    Grant grant;  // guarded by Impl::mu, as is the waiter's place in the queue
    bool granted = false;
  };
  class WaitGuard;
  class Reservation;

  Impl(asio::any_io_executor e, PoolOptions o) : ex(std::move(e)), options(std::move(o)) {}

  Grant take(const asio::any_io_executor& waiter_ex, std::shared_ptr<Waiter>& queued);
  Task<Grant> wait(std::shared_ptr<Waiter> w);
  Task<Conn> open(std::shared_ptr<Pool> self);
  void give_back(std::unique_ptr<Conn::Slot> slot);

  const asio::any_io_executor ex;
  const PoolOptions options;
  mutable std::mutex mu;
  std::vector<std::unique_ptr<Conn::Slot>> idle;  // LIFO: the warmest connection first
  std::deque<std::shared_ptr<Waiter>> waiters;    // FIFO
  std::size_t size = 0;                           // open or being opened
  std::atomic<Histogram*> waits{nullptr};
  // Runs PQcancel for abandoned statements. One thread is enough: a cancel is one local
  // round trip, and at most max_size of them can be pending.
  asio::thread_pool canceller{1};
};

// Hands out an idle connection or the right to open one; otherwise queues a waiter. Both
// under one lock, so a release cannot slip between the check and the queueing.
Pool::Impl::Grant Pool::Impl::take(const asio::any_io_executor& waiter_ex,
                                   std::shared_ptr<Waiter>& queued) {
  std::lock_guard lock(mu);
  Grant g;
  if (!idle.empty()) {
    g.slot = std::move(idle.back());
    idle.pop_back();
  } else if (size < options.max_size) {
    ++size;
    g.open = true;
  } else {
    queued = std::make_shared<Waiter>(waiter_ex);
    waiters.push_back(queued);
  }
  return g;
}

// Returns a connection (or, with null or an unusable one, a unit of capacity) to the
// pool: the oldest waiter gets it first.
void Pool::Impl::give_back(std::unique_ptr<Conn::Slot> slot) {
  std::unique_ptr<Conn::Slot> discard;  // declared first: PQfinish runs after the unlock
  std::shared_ptr<Waiter> woken;
  {
    std::lock_guard lock(mu);
    const bool reusable = slot && slot->reusable();
    if (!reusable) discard = std::move(slot);
    if (waiters.empty()) {
      if (reusable) {
        idle.push_back(std::move(slot));
      } else {
        --size;
      }
      return;
    }
    woken = std::move(waiters.front());
    waiters.pop_front();
    woken->granted = true;
    woken->grant.open = !reusable;  // the freed capacity passes on: the waiter connects
    woken->grant.slot = std::move(slot);
  }
  woken->signal.try_send(boost::system::error_code());
}

// Settles a waiter once it wakes (or its coroutine is destroyed): a grant that arrived,
// even in a race with the timeout, is used or passed on, never lost.
class Pool::Impl::WaitGuard {
 public:
  WaitGuard(Impl& pool, std::shared_ptr<Waiter> w) : pool_(pool), w_(std::move(w)) {}
  WaitGuard(const WaitGuard&) = delete;
  WaitGuard& operator=(const WaitGuard&) = delete;
  ~WaitGuard() {
    if (w_) {
      Grant g = settle();
      if (g.any()) pool_.give_back(std::move(g.slot));
    }
  }
  Grant claim() {
    Grant g = settle();
    w_.reset();
    if (!g.any()) {
      throw DbError(ErrorKind::kUnavailable, "",
                    "postgres: timed out waiting for a database connection");
    }
    return g;
  }

 private:
  Grant settle() {
    std::lock_guard lock(pool_.mu);
    if (w_->granted) return std::move(w_->grant);
    std::erase(pool_.waiters, w_);
    return {};
  }
  Impl& pool_;
  std::shared_ptr<Waiter> w_;
};

Task<Pool::Impl::Grant> Pool::Impl::wait(std::shared_ptr<Waiter> w) {
  WaitGuard guard(*this, w);
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::milliseconds(options.acquire_timeout_ms));
  // Whichever finishes first; the loser is cancelled. Errors are irrelevant: claim()
  // decides from the state under the lock.
  co_await (w->signal.async_receive(asio::as_tuple(asio::use_awaitable)) ||
            timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  co_return guard.claim();
}

// Capacity reserved by take(); given back if connecting fails or is abandoned.
class Pool::Impl::Reservation {
 public:
  explicit Reservation(Impl& pool) : pool_(&pool) {}
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation() {
    if (pool_) pool_->give_back(nullptr);
  }
  void keep() { pool_ = nullptr; }

 private:
  Impl* pool_;
};

Task<Conn> Pool::Impl::open(std::shared_ptr<Pool> self) {
  Reservation reservation(*this);
  auto slot = std::make_unique<Conn::Slot>(ex);
  co_await slot->connect(options.conninfo, options.statement_timeout_ms);
  reservation.keep();
  co_return Conn(std::move(self), slot.release());
}

std::shared_ptr<Pool> Pool::create(asio::any_io_executor executor, PoolOptions options) {
  return std::shared_ptr<Pool>(
      new Pool(std::make_unique<Impl>(std::move(executor), std::move(options))));
}

Pool::Pool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Every Conn and every acquire() holds the pool alive, so only idle connections remain;
// destroying them closes them.
Pool::~Pool() = default;

Task<Conn> Pool::acquire() {
  // However the acquire ends (a connection, a timeout, a cancelled request), its wait counts.
  struct Observe {
    Histogram* waits;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    ~Observe() {
      if (waits)
        waits->observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  } observe{impl_->waits.load(std::memory_order_relaxed)};
  auto self = shared_from_this();
  std::shared_ptr<Impl::Waiter> waiter;
  Impl::Grant g = impl_->take(co_await asio::this_coro::executor, waiter);
  if (waiter) g = co_await impl_->wait(std::move(waiter));
  if (g.slot && !g.slot->looks_alive()) {
    spdlog::info("postgres: dropping a pooled connection the server has closed");
    g.slot.reset();  // its place in the pool goes to a new connection
  }
  if (g.slot) co_return Conn(std::move(self), g.slot.release());
  co_return co_await impl_->open(std::move(self));
}

Task<db::Rows> Pool::exec(std::string sql, db::Params params) {
  Conn conn = co_await acquire();
  co_return co_await conn.exec(std::move(sql), std::move(params));
}

void Pool::observe_waits(Histogram* waits) {
  impl_->waits.store(waits, std::memory_order_relaxed);
}

db::PoolStats Pool::stats() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->size, impl_->size - impl_->idle.size(), impl_->waiters.size()};
}

// ---- Conn --------------------------------------------------------------------------------

Conn::Conn(std::shared_ptr<Pool> pool, Slot* slot) : pool_(std::move(pool)), slot_(slot) {}

Conn::Conn(Conn&& o) noexcept : pool_(std::move(o.pool_)), slot_(std::exchange(o.slot_, nullptr)) {}

// Destructors cannot await, so a connection dropped mid-statement or mid-transaction is
// recovered by a detached coroutine on the pool's executor that owns it until done, within
// kRecoveryTimeout. If that coroutine fails, or never runs (the io_context shuts down), it
// drops the connection here a second time: discard it.
Conn::~Conn() {
  if (!slot_) return;
  std::unique_ptr<Slot> slot(std::exchange(slot_, nullptr));
  Pool::Impl& pool = *pool_->impl_;
  if (slot->open() && (slot->busy || slot->in_transaction())) {
    if (slot->recovering) {
      slot->busy = true;  // unusable: give_back discards it
    } else {
      slot->recovering = true;
      asio::co_spawn(pool.ex, recover_detached(Conn(pool_, slot.release())), asio::detached);
      return;
    }
  }
  slot->recovering = false;
  pool.give_back(std::move(slot));
}

// Never throws: a failure leaves the slot busy, and the Conn's destructor closes it.
Task<void> Conn::recover() {
  try {
    co_await slot_->recover(pool_->impl_->canceller);
  } catch (const std::exception& e) {
    spdlog::warn("postgres: closing a connection that could not be recovered: {}", e.what());
  }
}

Task<void> Conn::recover_detached(Conn conn) {
  asio::steady_timer deadline(co_await asio::this_coro::executor, kRecoveryTimeout);
  co_await (conn.recover() || deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
}

Task<db::Rows> Conn::exec(std::string sql, db::Params params) {
  if (!slot_) throw std::logic_error("pg::Conn used after move");
  co_return co_await slot_->exec(sql, params);
}

Task<void> Conn::begin(std::string_view isolation) {
  if (!slot_) throw std::logic_error("pg::Conn used after move");
  // The level is spliced into SQL text, so only the four known levels are accepted.
  if (!valid_isolation(isolation)) {
    throw std::invalid_argument("unknown isolation level: " + std::string(isolation));
  }
  const std::string sql = "BEGIN ISOLATION LEVEL " + std::string(isolation);
  co_await slot_->simple(sql.c_str());
}

Task<void> Conn::commit() {
  if (!slot_) throw std::logic_error("pg::Conn used after move");
  co_await slot_->simple("COMMIT");
}

Task<void> Conn::rollback() {
  if (!slot_) throw std::logic_error("pg::Conn used after move");
  co_await slot_->simple("ROLLBACK");
}

// ---- SyncConn ----------------------------------------------------------------------------

SyncConn::SyncConn(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    DbError e = error(kUnableToConnect, message_of(conn_));
    if (conn_) PQfinish(conn_);
    throw e;
  }
}

SyncConn::~SyncConn() {
  PQfinish(conn_);
}

// Without parameters PQexec is used, which accepts several statements in one string
// (migration files); with parameters, PQexecParams (one statement).
db::Rows SyncConn::exec(const std::string& sql, const db::Params& params) {
  PGresult* r = nullptr;
  if (params.empty()) {
    r = PQexec(conn_, sql.c_str());
  } else {
    const TextParams text(params);
    r = PQexecParams(conn_, sql.c_str(), text.size(), nullptr, text.values.data(), nullptr, nullptr,
                     0);
  }
  if (!r || PQstatus(conn_) != CONNECTION_OK) {
    if (r) PQclear(r);
    throw error(kConnectionFailure, message_of(conn_));
  }
  const ExecStatusType status = PQresultStatus(r);
  if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
    DbError e = error_of(r);
    PQclear(r);
    throw e;
  }
  db::Rows rows = rows_of(r);
  PQclear(r);
  return rows;
}

}  // namespace gd::pg
