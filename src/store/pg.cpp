// PostgreSQL pool on non-blocking libpq. Every wait for the server is an Asio wait on
// libpq's socket, so an I/O thread never blocks on the database.
//
// Threading: the pool is shared by coroutines on many strands of one multi-threaded
// io_context. Pool state lives behind one mutex that is never held across a co_await; a
// connection (Conn::Slot) is touched by one coroutine at a time and needs no lock.
#include "store/pg.hpp"

#include <libpq-fe.h>

#include <algorithm>
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
#include <boost/asio/use_awaitable.hpp>

namespace gd::pg {
namespace {

namespace asio = boost::asio;
using asio::posix::descriptor_base;
using namespace asio::experimental::awaitable_operators;

constexpr const char* kConnectionFailure = "08006";  // connection_failure
constexpr const char* kUnableToConnect = "08001";    // sqlclient_unable_to_establish_sqlconnection
constexpr const char* kTimedOut = "57014";           // query_canceled

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
Error error_of(const PGresult* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return Error(state ? state : "08P01", trimmed(PQresultErrorMessage(r)));
}

// Borrows libpq's socket for the duration of one operation. Registering the fd per
// operation (rather than once per connection) keeps idle connections free of Asio state,
// so a pool may outlive its io_context, and survives libpq swapping sockets while it
// connects. release() hands the fd back instead of closing it: libpq owns it.
class Socket {
 public:
  Socket(const asio::any_io_executor& ex, int fd) : sd_(ex) {
    if (fd < 0) throw Error(kConnectionFailure, "connection to the database has no socket");
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

// Detached rollback for a Conn dropped mid-transaction; the Conn's destructor then returns
// the connection to the pool, or discards it if the rollback failed.
Task<void> roll_back(Conn conn) {
  try {
    co_await conn.rollback();
  } catch (const std::exception&) {
    // The connection is marked busy and will be discarded; nobody is left to tell.
  }
}

}  // namespace

// ---- Rows --------------------------------------------------------------------------------

Rows::Rows(PGresult* r) : r_(r) {}
Rows::Rows(Rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
  }
  return *this;
}
Rows::~Rows() {
  if (r_) PQclear(r_);
}

int Rows::size() const {
  return r_ ? PQntuples(r_) : 0;
}
int Rows::columns() const {
  return r_ ? PQnfields(r_) : 0;
}

std::int64_t Rows::affected() const {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);  // "" (not a DML) stays 0
  return v;
}

bool Rows::is_null(int row, int col) const {
  if (row < 0 || row >= size() || col < 0 || col >= columns()) {
    throw std::out_of_range("pg::Rows: no such cell");
  }
  return PQgetisnull(r_, row, col) != 0;
}

std::string_view Rows::get(int row, int col) const {
  if (is_null(row, col)) return {};
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}

std::optional<std::string> Rows::opt(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return str(row, col);
}

// Conversion failures are reported like the server reports bad text input (22P02).
std::int64_t Rows::i64(int row, int col) const {
  const std::string_view s = get(row, col);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    throw Error("22P02", "not an integer: '" + std::string(s) + "'");
  }
  return v;
}

double Rows::f64(int row, int col) const {
  const std::string_view s = get(row, col);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    throw Error("22P02", "not a number: '" + std::string(s) + "'");
  }
  return v;
}

bool Rows::boolean(int row, int col) const {
  const std::string_view s = get(row, col);
  if (s == "t") return true;
  if (s == "f") return false;
  throw Error("22P02", "not a boolean: '" + std::string(s) + "'");
}

// ---- One connection ----------------------------------------------------------------------

struct Conn::Slot {
  explicit Slot(asio::any_io_executor e) : ex(std::move(e)) {}
  ~Slot() {
    if (pg) PQfinish(pg);
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  // Fit to hand to the next user: open, and the protocol is in a known state.
  bool reusable() const { return pg && !busy && PQstatus(pg) == CONNECTION_OK; }
  bool in_transaction() const { return PQtransactionStatus(pg) != PQTRANS_IDLE; }

  Task<void> connect(const std::string& conninfo);
  Task<Rows> exec(const std::string& sql, const Params& params);
  Task<Rows> simple(const char* sql);
  Task<Rows> finish(Socket& sock);
  void sent(int ok);
  [[noreturn]] void fail(const char* why = nullptr) const;

  asio::any_io_executor ex;  // the pool's; only used to register the socket
  PGconn* pg = nullptr;
  std::unordered_map<std::string, std::string> statements;  // SQL text -> prepared name
  std::size_t next_statement = 0;
  bool busy = false;          // a command is in flight: if abandoned, the protocol is lost
  bool rolling_back = false;  // a detached rollback owns the slot
};

// A lost connection always surfaces as 08006, whatever libpq or the server said last
// (a terminated backend, for one, sends 57P01 before closing), so callers can retry.
void Conn::Slot::fail(const char* why) const {
  throw Error(kConnectionFailure, why ? why : message_of(pg));
}

// Marks the start of a command; `ok` is the result of the PQsend* call.
void Conn::Slot::sent(int ok) {
  busy = true;
  if (!ok) fail();
}

Task<void> Conn::Slot::connect(const std::string& conninfo) {
  pg = PQconnectStart(conninfo.c_str());
  if (!pg) throw Error(kUnableToConnect, "out of memory allocating a database connection");
  // Per libpq's docs, the first poll is preceded by waiting for writability.
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED || PQstatus(pg) == CONNECTION_BAD) {
      throw Error(kUnableToConnect, message_of(pg));
    }
    {
      // A fresh registration per wait: libpq may have replaced the socket in the last poll.
      Socket sock(ex, PQsocket(pg));
      co_await sock.wait(status == PGRES_POLLING_READING ? descriptor_base::wait_read
                                                         : descriptor_base::wait_write);
    }
    status = PQconnectPoll(pg);
  }
  if (PQsetnonblocking(pg, 1) != 0) throw Error(kUnableToConnect, message_of(pg));
  // Short OLTP statements: JIT compilation costs more than it saves (100+ ms for a geo search
  // whose estimated cost crosses jit_above_cost), and parallel plans for them are slower and
  // mislead the planner away from index-ordered (KNN) scans.
  co_await exec(
      "SELECT set_config('jit', 'off', false), "
      "set_config('max_parallel_workers_per_gather', '0', false)",
      Params());
}

// Prepares each distinct SQL text once per connection. The cache is unbounded on purpose:
// the application's statements are a fixed set of literals.
Task<Rows> Conn::Slot::exec(const std::string& sql, const Params& params) {
  if (busy) fail("connection is unusable after an abandoned query");
  Socket sock(ex, PQsocket(pg));
  auto it = statements.find(sql);
  if (it == statements.end()) {
    std::string name = "s" + std::to_string(++next_statement);
    sent(PQsendPrepare(pg, name.c_str(), sql.c_str(), 0, nullptr));
    co_await finish(sock);  // a syntax error throws here and caches nothing
    it = statements.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  sent(PQsendQueryPrepared(pg, it->second.c_str(), static_cast<int>(values.size()), values.data(),
                           nullptr, nullptr, 0));
  co_return co_await finish(sock);
}

Task<Rows> Conn::Slot::simple(const char* sql) {
  if (busy) fail("connection is unusable after an abandoned query");
  Socket sock(ex, PQsocket(pg));
  sent(PQsendQuery(pg, sql));
  co_return co_await finish(sock);
}

// Flushes the command, then drains every result so the connection is ready for the next
// command even when this one failed. Returns the last result; throws the first error.
Task<Rows> Conn::Slot::finish(Socket& sock) {
  for (int r; (r = PQflush(pg)) != 0;) {
    if (r < 0) fail();
    co_await sock.wait_read_or_write();
    if (!PQconsumeInput(pg)) fail();
  }
  Rows last;
  std::optional<Error> error;
  for (;;) {
    while (PQisBusy(pg)) {
      co_await sock.wait(descriptor_base::wait_read);
      if (!PQconsumeInput(pg)) fail();
    }
    PGresult* r = PQgetResult(pg);
    if (!r) break;
    const ExecStatusType status = PQresultStatus(r);
    Rows rows(r);  // owns r from here on
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
      if (!error) error = error_of(r);
    } else if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      fail("COPY is not supported on pooled connections");  // would never drain
    } else {
      last = std::move(rows);
    }
  }
  if (PQstatus(pg) != CONNECTION_OK) fail();
  busy = false;
  if (error) throw *error;
  co_return last;
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
    if (!g.any()) throw Error(kTimedOut, "timed out waiting for a database connection");
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
  co_await slot->connect(options.conninfo);
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
  auto self = shared_from_this();
  std::shared_ptr<Impl::Waiter> waiter;
  Impl::Grant g = impl_->take(co_await asio::this_coro::executor, waiter);
  if (waiter) g = co_await impl_->wait(std::move(waiter));
  if (g.slot) co_return Conn(std::move(self), g.slot.release());
  co_return co_await impl_->open(std::move(self));
}

Task<Rows> Pool::exec(std::string sql, Params params) {
  Conn conn = co_await acquire();
  co_return co_await conn.exec(std::move(sql), std::move(params));
}

PoolStats Pool::stats() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->size, impl_->size - impl_->idle.size(), impl_->waiters.size()};
}

// ---- Conn --------------------------------------------------------------------------------

Conn::Conn(std::shared_ptr<Pool> pool, Slot* slot) : pool_(std::move(pool)), slot_(slot) {}

Conn::Conn(Conn&& o) noexcept : pool_(std::move(o.pool_)), slot_(std::exchange(o.slot_, nullptr)) {}

// Destructors cannot await, so an open transaction is rolled back by a detached coroutine
// on the pool's executor that owns the connection until done. If that coroutine never runs
// (the io_context shuts down), it drops the connection here a second time: discard it.
Conn::~Conn() {
  if (!slot_) return;
  std::unique_ptr<Slot> slot(std::exchange(slot_, nullptr));
  Pool::Impl& pool = *pool_->impl_;
  if (slot->reusable() && slot->in_transaction()) {
    if (slot->rolling_back) {
      slot->busy = true;  // unusable: give_back discards it
    } else {
      slot->rolling_back = true;
      asio::co_spawn(pool.ex, roll_back(Conn(pool_, slot.release())), asio::detached);
      return;
    }
  }
  slot->rolling_back = false;
  pool.give_back(std::move(slot));
}

Task<Rows> Conn::exec(std::string sql, Params params) {
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
    Error e(kUnableToConnect, message_of(conn_));
    if (conn_) PQfinish(conn_);
    throw e;
  }
}

SyncConn::~SyncConn() {
  PQfinish(conn_);
}

// Without parameters PQexec is used, which accepts several statements in one string
// (migration files); with parameters, PQexecParams (one statement).
Rows SyncConn::exec(const std::string& sql, const Params& params) {
  PGresult* r = nullptr;
  if (params.empty()) {
    r = PQexec(conn_, sql.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
    r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                     nullptr, nullptr, 0);
  }
  if (!r || PQstatus(conn_) != CONNECTION_OK) {
    if (r) PQclear(r);
    throw Error(kConnectionFailure, message_of(conn_));
  }
  Rows rows(r);
  const ExecStatusType status = PQresultStatus(r);
  if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) throw error_of(r);
  return rows;
}

}  // namespace gd::pg
