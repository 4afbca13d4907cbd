// Beast/Asio HTTP/1.1 server: one io_context per thread, connections dealt out round-robin,
// one coroutine per connection that never leaves its thread. (A coroutine that resumes on
// another thread is exposed to clang caching thread_local addresses across suspension
// points, which corrupts Asio's per-thread frame allocator; it also costs cross-core wake-ups.)
// Limits and timeouts are applied where each read happens (header limit and timeout, per-route body
// limit, idle keep-alive timeout).
#include "http/server.hpp"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/infra_error.hpp"
#include "http/live_socket.hpp"
#include "http/pipeline.hpp"
#include "http/request_parser.hpp"

namespace gd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using namespace asio::experimental::awaitable_operators;

constexpr int kClientClosedRequest = 499;  // nginx's status for a client that hung up

namespace {

// What shutdown needs to reach a live connection: its stream (owned by the session
// coroutine, cleared when it ends) and whether it is between requests.
struct SessionHandle {
  beast::tcp_stream* stream = nullptr;  // touched only on the session's thread
  asio::any_io_executor executor;
  std::string ip;
  std::atomic<bool> busy{false};  // written on the session's thread, read when picking idle ones
  std::atomic<std::int64_t> idle_since_ns{0};
  std::atomic<bool> closing{false};    // picked to be closed to make room
  bool unread_body = false;            // the last request's body was not read: close with lingering
  std::optional<RequestHead> upgrade;  // the last request asked for the live WebSocket
  std::shared_ptr<LiveSocket> live;  // under sessions_mu: the socket it became, once authenticated
};

// Raises the soft limit on open files to the hard limit (no privilege needed) and returns the
// soft limit in force.
std::uint64_t raise_open_files_limit() {
  constexpr rlim_t kCeiling = rlim_t{1} << 20;  // what Linux allows by default (nr_open)
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  const rlim_t target = rl.rlim_max == RLIM_INFINITY ? kCeiling : rl.rlim_max;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < target) {
    const rlimit raised{target, rl.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl.rlim_cur = target;
  }
  return rl.rlim_cur == RLIM_INFINITY ? kCeiling : rl.rlim_cur;
}

// --max-connections by default: the open-files limit less a reserve for the database
// connections, SQLite's files, media files and the process's own descriptors.
std::size_t default_max_connections(std::uint64_t open_files_limit) {
  const auto reserve = std::clamp<std::uint64_t>(open_files_limit / 4, 32, 1024);
  return open_files_limit > 2 * reserve ? open_files_limit - reserve
                                        : std::max<std::uint64_t>(open_files_limit / 2, 1);
}

// accept(2) failures that mean "out of resources": retrying at once only spins.
bool out_of_resources(const beast::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One warning a second at most, saying how many were held back: a failure that repeats
// thousands of times a second must not become thousands of log lines.
class ThrottledWarning {
 public:
  void operator()(std::string_view what, std::string_view detail) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) {
      ++held_back_;
      return;
    }
    if (held_back_ > 0) {
      spdlog::warn("{}: {} ({} more in the last {} ms)", what, detail, held_back_,
                   std::chrono::duration_cast<milliseconds>(now - last_).count());
    } else {
      spdlog::warn("{}: {}", what, detail);
    }
    last_ = now;
    held_back_ = 0;
  }

 private:
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t held_back_ = 0;
};

bhttp::response<bhttp::string_body> to_beast(Response&& res, unsigned version, bool keep_alive,
                                             bool head) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  for (auto& [k, v] : res.headers) out.set(k, v);
  out.keep_alive(keep_alive);
  out.body() = std::move(res.body);
  out.prepare_payload();
  if (head) out.body().clear();
  return out;
}

// Reads and feeds the parser until it has the head (or, with `body`, the whole request) or
// fails; false when the connection ended or timed out first.
Task<bool> feed(beast::tcp_stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
                bool body) {
  for (;;) {
    if (buffer.size() > 0) {
      const auto data = buffer.data();
      const auto used = parser.put({static_cast<const char*>(data.data()), data.size()});
      buffer.consume(used);
      if (parser.error() || (body ? parser.done() : parser.head_done())) co_return true;
      if (used > 0 && buffer.size() > 0) continue;
    }
    beast::error_code ec;
    const auto n = co_await stream.async_read_some(buffer.prepare(8192),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    buffer.commit(n);
  }
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions o, Metrics& m)
      : options(std::move(o)),
        contexts(make_contexts(options.threads)),
        ioc(*contexts.front()),
        acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM),
        shutdown_deadline(ioc),
        pipeline(options, m, router) {
    for (auto& c : contexts) keep_running.emplace_back(c->get_executor());
  }

  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < std::max(1, n); ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  ServerOptions options;
  std::vector<std::unique_ptr<asio::io_context>> contexts;  // one per thread
  asio::io_context& ioc;  // contexts[0]: acceptor, signals, shutdown timer
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::size_t next_context = 0;  // touched only by the accept loop
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer shutdown_deadline;
  Router router;
  Pipeline pipeline;
  std::atomic<bool> draining{false};
  Authenticator* authenticator = nullptr;
  LiveEndpoint* live_endpoint = nullptr;
  std::vector<std::function<void()>> shutdown_hooks;  // set before run()
  std::mutex sessions_mu;
  std::uint64_t next_session_id = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<SessionHandle>> sessions;
  std::unordered_map<std::string, std::size_t> sessions_per_ip;
  std::size_t max_connections = 0;  // set by run()
  ThrottledWarning accept_warning;  // used only by the accept loop
  ThrottledWarning refusal_warning;

  void bind();
  Task<void> accept_loop();
  Task<bool> wait_for_room(asio::steady_timer& pause);
  Task<void> session(tcp::socket socket, std::shared_ptr<SessionHandle> handle, std::uint64_t id);
  void begin_drain();
  void close_idle_sessions();
  std::size_t close_oldest_idle(std::size_t n);
  void finish_drain();
  std::optional<std::uint64_t> add_session(const std::shared_ptr<SessionHandle>& h);
  void remove_session(std::uint64_t id);
  Task<void> linger(beast::tcp_stream& stream);
  Task<void> serve_upgraded(beast::tcp_stream& stream, SessionHandle& handle);
  Task<bool> serve_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                       const std::string& remote_ip, SessionHandle& handle);
  Task<bool> write_streamed(beast::tcp_stream& stream, Exchange& ex, Response res, unsigned version,
                            bool keep_alive, bool head);
  Task<std::optional<Response>> run_watched(beast::tcp_stream& stream, Exchange& ex);
};

void Server::Impl::bind() {
  tcp::endpoint ep{asio::ip::make_address(options.host), options.port};
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

// Deals connections out to the I/O threads. Out of file descriptors (or memory), accept(2)
// fails until a connection closes: the loop closes the longest-idle keep-alive connection and
// waits, backing off to a second, instead of retrying at once (which spun a core and logged a
// line per try). At --max-connections it closes idle connections and leaves new clients in
// the listen backlog until there is room.
Task<void> Server::Impl::accept_loop() {
  auto self = shared_from_this();
  asio::steady_timer pause(ioc);
  milliseconds backoff{0};
  for (;;) {
    if (!co_await wait_for_room(pause)) co_return;
    beast::error_code ec;
    asio::io_context& home = *contexts[next_context % contexts.size()];
    ++next_context;
    tcp::socket socket =
        co_await acceptor.async_accept(home, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (draining || ec == asio::error::operation_aborted) co_return;
      accept_warning("accept failed", ec.message());
      if (out_of_resources(ec)) {
        close_oldest_idle(1);
        backoff = std::clamp(backoff * 2, milliseconds(10), milliseconds(1000));
        pause.expires_after(backoff);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      continue;
    }
    backoff = milliseconds(0);
    socket.set_option(tcp::no_delay(true), ec);
    auto handle = std::make_shared<SessionHandle>();
    const auto remote = socket.remote_endpoint(ec);
    handle->ip = ec ? std::string() : remote.address().to_string();
    handle->executor = socket.get_executor();
    const auto id = add_session(handle);
    if (!id) {
      refusal_warning("connection refused", "--max-connections-per-ip reached for " + handle->ip);
      socket.close(ec);
      continue;
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket), handle, *id), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("connection ended by exception: {}", ex.what());
      }
    });
  }
}

// False once draining began.
Task<bool> Server::Impl::wait_for_room(asio::steady_timer& pause) {
  for (;;) {
    if (draining) co_return false;
    std::size_t open = 0;
    {
      std::lock_guard lock(sessions_mu);
      open = sessions.size();
    }
    if (open < max_connections) co_return true;
    close_oldest_idle(open - max_connections + 1);
    pause.expires_after(milliseconds(10));
    beast::error_code ec;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Closes up to n connections that wait for their next request, longest idle first; returns
// how many it picked. A connection that became busy meanwhile is left alone.
std::size_t Server::Impl::close_oldest_idle(std::size_t n) {
  std::vector<std::shared_ptr<SessionHandle>> idle;
  {
    std::lock_guard lock(sessions_mu);
    for (const auto& [id, h] : sessions)
      if (!h->busy && !h->closing) idle.push_back(h);
  }
  n = std::min(n, idle.size());
  std::partial_sort(
      idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(n), idle.end(),
      [](const auto& a, const auto& b) { return a->idle_since_ns < b->idle_since_ns; });
  for (std::size_t i = 0; i < n; ++i) {
    idle[i]->closing = true;
    asio::post(idle[i]->executor, [h = idle[i]] {
      if (h->stream && !h->busy) {
        h->stream->cancel();  // its read for the next request ends, and the connection with it
      } else {
        h->closing = false;  // busy again: it may be picked another time
      }
    });
  }
  return n;
}

// Registers a connection; nullopt when its IP already has --max-connections-per-ip (a
// trusted proxy's never does).
std::optional<std::uint64_t> Server::Impl::add_session(const std::shared_ptr<SessionHandle>& h) {
  std::lock_guard lock(sessions_mu);
  auto& of_ip = sessions_per_ip[h->ip];
  // A trusted proxy carries many clients' connections: it is not held to one client's share.
  if (options.max_connections_per_ip > 0 && of_ip >= options.max_connections_per_ip &&
      !in_cidrs(h->ip, options.trusted_proxies))
    return std::nullopt;
  ++of_ip;
  const auto id = next_session_id++;
  h->idle_since_ns = steady_ns();
  sessions.emplace(id, h);
  return id;
}

void Server::Impl::remove_session(std::uint64_t id) {
  std::lock_guard lock(sessions_mu);
  if (auto it = sessions.find(id); it != sessions.end()) {
    auto per_ip = sessions_per_ip.find(it->second->ip);
    if (per_ip != sessions_per_ip.end() && --per_ip->second == 0) sessions_per_ip.erase(per_ip);
    sessions.erase(it);
  }
  if (draining && sessions.empty()) finish_drain();
}

Task<void> Server::Impl::session(tcp::socket socket, std::shared_ptr<SessionHandle> handle,
                                 std::uint64_t id) {
  auto self = shared_from_this();
  beast::error_code ec;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  handle->stream = &stream;
  struct Unregister {
    Impl* impl;
    SessionHandle* handle;
    std::uint64_t id;
    ~Unregister() {
      handle->stream = nullptr;
      impl->remove_session(id);
    }
  } unregister{this, handle.get(), id};
  while (!draining && co_await serve_one(stream, buffer, handle->ip, *handle)) {
  }
  if (handle->upgrade && !draining) {
    co_await serve_upgraded(stream, *handle);
    co_return;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (handle->unread_body) co_await linger(stream);
}

// A live socket (live_socket.cpp) takes the connection over; it stays counted as a session
// (toward --max-connections), busy so that it is never closed as idle, and reachable for
// shutdown, which closes it with 1001.
Task<void> Server::Impl::serve_upgraded(beast::tcp_stream& stream, SessionHandle& handle) {
  handle.busy = true;
  handle.stream = nullptr;
  auto socket = stream.release_socket();
  beast::error_code ec;
  const auto local = socket.local_endpoint(ec);
  const bool v6 = !ec && local.address().is_v6();
  const auto ex = socket.get_executor();
  const int fd = socket.release();
  LiveContext ctx{&options.live, authenticator, live_endpoint,
                  [this, &handle](std::shared_ptr<LiveSocket> s) {
                    std::lock_guard lock(sessions_mu);
                    handle.live = std::move(s);
                    if (handle.live && draining)
                      handle.live->close(live_close::kGoingAway, "server shutting down");
                  }};
  co_await serve_live(ex, fd, v6, std::move(*handle.upgrade), std::move(ctx));
}

// After answering a request whose body was left unread (413), closing at once would make the
// kernel reset the connection, and the client could lose the answer with its unsent body.
// Read and discard for a bounded time and amount first, as nginx's lingering close does.
Task<void> Server::Impl::linger(beast::tcp_stream& stream) {
  std::array<char, 16384> sink{};
  std::size_t discarded = 0;
  stream.expires_after(milliseconds(options.linger_ms));
  while (discarded < options.linger_max_bytes) {
    beast::error_code ec;
    discarded += co_await stream.async_read_some(asio::buffer(sink),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
}

// Reads one request, answers it; returns whether the connection stays open.
Task<bool> Server::Impl::serve_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   const std::string& remote_ip, SessionHandle& handle) {
  beast::error_code ec;
  handle.idle_since_ns = steady_ns();
  handle.busy = false;
  if (buffer.size() == 0) {
    stream.expires_after(milliseconds(options.idle_timeout_ms));
    const auto n = co_await stream.async_read_some(buffer.prepare(8192),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    buffer.commit(n);
  }
  handle.busy = true;
  const auto started = std::chrono::steady_clock::now();
  RequestParser parser(options.max_header_bytes);
  stream.expires_after(milliseconds(options.header_timeout_ms));
  if (!co_await feed(stream, buffer, parser, false)) co_return false;
  Exchange ex;
  ex.remote_ip = remote_ip;
  ex.started = started;
  ex.early_error = parser.error();
  bool keep_alive = false;
  unsigned version = 11;
  bool head = false;
  if (!ex.early_error) {
    RequestHead req = parser.head();
    version = req.version;
    keep_alive = req.keep_alive;
    head = req.method == "HEAD";
    ex.method = std::move(req.method);
    ex.target = std::move(req.target);
    ex.headers = std::move(req.headers);
    ex.remote_ip = client_address(remote_ip, ex.headers, options.trusted_proxies);
    pipeline.prepare(ex);
    if (live_endpoint && !ex.early_error && ex.path == kLivePath &&
        wants_websocket(ex.method, ex.headers)) {
      pipeline.finish(ex, 101, 0);
      handle.upgrade = RequestHead{std::move(ex.method), std::move(ex.target), version, true,
                                   std::move(ex.headers)};
      co_return false;
    }
    if (!ex.early_error && !parser.done()) {
      const auto limit = ex.body_limit;
      if (parser.content_length() && *parser.content_length() > limit) {
        ex.early_error = ErrorCode::kPayloadTooLarge;
      } else {
        parser.set_body_limit(limit);
        stream.expires_after(milliseconds(options.body_timeout_ms));
        if (!co_await feed(stream, buffer, parser, true)) co_return false;
        ex.early_error = parser.error();
      }
    }
    if (!ex.early_error) ex.body = parser.take_body();
  }
  if (ex.early_error) {
    keep_alive = false;  // the rest of the stream is unread
    handle.unread_body = !parser.done();
  }
  auto answered = co_await run_watched(stream, ex);
  if (!answered) {
    pipeline.finish(ex, kClientClosedRequest, 0);
    co_return false;
  }
  Response res = std::move(*answered);
  if (draining) keep_alive = false;
  if (res.stream)
    co_return co_await write_streamed(stream, ex, std::move(res), version, keep_alive, head);
  auto out = to_beast(std::move(res), version, keep_alive, head);
  stream.expires_after(milliseconds(options.body_timeout_ms));
  co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
  pipeline.finish(ex, out.result_int(), out.body().size());
  co_return !ec && keep_alive;
}

// ---- Clients that hang up ------------------------------------------------------------------
// While a handler runs nothing is read from its connection, so a client that gives up
// (closes or resets the connection) would go unnoticed and its work, database statements
// included, would run on for nobody. The connection is watched instead: end of file or a
// reset cancels the handler (Asio cancellation), which abandons its statement in flight; the
// PostgreSQL pool then has the server cancel it. Bytes of a pipelined next request end the
// watch; they stay unread for the next request. Logged with nginx's 499.

namespace {

// Completes when the peer has closed or reset the connection; otherwise waits until cancelled.
Task<void> client_gone(tcp::socket& socket) {
  for (;;) {
    co_await socket.async_wait(tcp::socket::wait_read, asio::use_awaitable);
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) co_return;  // end of file
    if (n > 0) break;       // a pipelined request: nothing more to learn
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) co_return;  // reset
  }
  asio::steady_timer forever(socket.get_executor(), asio::steady_timer::time_point::max());
  co_await forever.async_wait(asio::use_awaitable);
}

// Bytes written to the socket that the peer has not acknowledged yet (SIOCOUTQ).
int unacknowledged(tcp::socket& socket) {
  int n = 0;
  if (::ioctl(socket.native_handle(), SIOCOUTQ, &n) != 0) return 0;
  return n;
}

// Completes once the socket's send queue has not shrunk for `timeout`: the peer has stopped
// reading.
Task<void> stalled(tcp::socket& socket, milliseconds timeout) {
  asio::steady_timer timer(socket.get_executor());
  for (int last = unacknowledged(socket);;) {
    timer.expires_after(timeout);
    co_await timer.async_wait(asio::use_awaitable);
    const int now = unacknowledged(socket);
    if (now >= last) co_return;
    last = now;
  }
}

}  // namespace

// The handler's response, or nullopt when the client left first.
Task<std::optional<Response>> Server::Impl::run_watched(beast::tcp_stream& stream, Exchange& ex) {
  if (ex.early_error) co_return co_await pipeline.run(ex);  // answered at once
  auto first = co_await (pipeline.run(ex) || client_gone(stream.socket()));
  if (first.index() != 0) co_return std::nullopt;
  co_return std::move(std::get<0>(first));
}

// A streamed body: the headers go out with the first piece, each piece as a chunk, then the
// last chunk. A producer that fails before its first piece gets a 500 problem instead; one
// that fails later (or a client that stops reading) ends the connection mid-body.
Task<bool> Server::Impl::write_streamed(beast::tcp_stream& stream, Exchange& ex, Response res,
                                        unsigned version, bool keep_alive, bool head) {
  struct Sink final : gd::ByteSink {
    Sink(beast::tcp_stream& s, bhttp::response<bhttp::empty_body>& m, int timeout_ms, bool head)
        : stream(s), msg(m), timeout(timeout_ms), head_only(head) {}
    Task<void> send(std::string& chunk) override {
      boost::system::error_code ec;
      stream.expires_after(milliseconds(timeout));
      if (!started) {
        started = true;
        bhttp::response_serializer<bhttp::empty_body> sr{msg};
        co_await bhttp::async_write_header(stream, sr,
                                           asio::redirect_error(asio::use_awaitable, ec));
        if (ec) throw boost::system::system_error(ec);
      }
      if (!chunk.empty() && !head_only) {
        co_await write_progressing(
            bhttp::make_chunk(asio::const_buffer(chunk.data(), chunk.size())));
        bytes += chunk.size();
      }
      chunk.clear();
    }
    // The timeout follows progress, not the whole piece: the write goes on while the
    // client keeps taking bytes off the socket's send queue, however slowly, and ends when it
    // has taken none for `timeout`. (Progress must be read from the queue: the kernel wakes a
    // blocked writer only once much of a send buffer of megabytes has drained.)
    Task<void> write_progressing(bhttp::chunk_body<asio::const_buffer> piece) {
      beast::buffers_suffix<bhttp::chunk_body<asio::const_buffer>> rest(piece);
      stream.expires_never();
      while (beast::buffer_bytes(rest) > 0) {
        auto done =
            co_await (stream.socket().async_write_some(rest, asio::as_tuple(asio::use_awaitable)) ||
                      stalled(stream.socket(), milliseconds(timeout)));
        if (done.index() != 0) throw boost::system::system_error(beast::error::timeout);
        const auto [ec, n] = std::get<0>(done);
        if (ec) throw boost::system::system_error(ec);
        rest.consume(n);
      }
    }
    beast::tcp_stream& stream;
    bhttp::response<bhttp::empty_body>& msg;
    int timeout;
    bool head_only;
    bool started = false;
    std::size_t bytes = 0;
  };
  bhttp::response<bhttp::empty_body> msg{static_cast<bhttp::status>(res.status), version};
  if (!res.content_type.empty()) msg.set(bhttp::field::content_type, res.content_type);
  for (auto& [k, v] : res.headers) msg.set(k, v);
  msg.keep_alive(keep_alive);
  msg.chunked(true);
  Sink sink(stream, msg, options.body_timeout_ms, head);
  std::optional<std::string> failure;
  bool temporary = false;  // a 503 rather than a 500, when nothing was sent yet
  try {
    co_await res.stream(sink);
    std::string none;
    co_await sink.send(none);  // the headers, if nothing was sent yet
    if (!head) {
      boost::system::error_code ec;
      stream.expires_after(milliseconds(options.body_timeout_ms));
      co_await asio::async_write(stream, bhttp::make_chunk_last(),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) throw boost::system::system_error(ec);
    }
  } catch (const InfraError& e) {
    failure = e.what();
    temporary = e.temporary();
  } catch (const boost::system::system_error& e) {
    failure = e.code().message();  // what() would add Asio's source location, a long line
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure && sink.started) {
    spdlog::warn("request_id={} streamed response ended early: {}", ex.request_id, *failure);
    pipeline.finish(ex, res.status, sink.bytes);
    co_return false;
  }
  if (failure) {
    const std::runtime_error cause(*failure);
    auto problem =
        to_beast(temporary ? pipeline.unavailable(ex, cause) : pipeline.internal_error(ex, cause),
                 version, keep_alive, head);
    boost::system::error_code ec;
    stream.expires_after(milliseconds(options.body_timeout_ms));
    co_await bhttp::async_write(stream, problem, asio::redirect_error(asio::use_awaitable, ec));
    pipeline.finish(ex, problem.result_int(), problem.body().size());
    co_return !ec && keep_alive;
  }
  pipeline.finish(ex, res.status, sink.bytes);
  co_return keep_alive;
}

void Server::Impl::close_idle_sessions() {
  std::lock_guard lock(sessions_mu);
  for (auto& [id, h] : sessions) {
    if (h->live) h->live->close(live_close::kGoingAway, "server shutting down");
    asio::post(h->executor, [h = h] {
      if (h->stream && !h->busy) h->stream->cancel();
    });
  }
}

// Called with sessions_mu held once the last connection is gone: let every thread run out.
void Server::Impl::finish_drain() {
  asio::post(ioc, [this] {
    shutdown_deadline.cancel();
    for (auto& g : keep_running) g.reset();
  });
}

void Server::Impl::begin_drain() {
  if (draining.exchange(true)) return;
  spdlog::info("shutting down: finishing in-flight requests");
  for (const auto& hook : shutdown_hooks) hook();
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  {
    std::lock_guard lock(sessions_mu);
    if (sessions.empty()) {
      finish_drain();
      return;
    }
  }
  close_idle_sessions();
  shutdown_deadline.expires_after(milliseconds(options.shutdown_timeout_ms));
  shutdown_deadline.async_wait([this](beast::error_code e) {
    if (e) return;  // cancelled: every session finished
    spdlog::warn("shutdown deadline reached; closing remaining connections");
    for (auto& c : contexts) c->stop();
  });
}

Server::Server(ServerOptions options, Metrics& metrics)
    : impl_(std::make_shared<Impl>(std::move(options), metrics)) {}

Server::~Server() = default;

asio::any_io_executor Server::executor() {
  return impl_->ioc.get_executor();
}
Router& Server::router() {
  return impl_->router;
}
void Server::set_authenticator(Authenticator* a) {
  impl_->authenticator = a;
  impl_->pipeline.set_authenticator(a);
}
void Server::set_live_endpoint(LiveEndpoint* e) {
  impl_->live_endpoint = e;
}
void Server::set_api_key_authenticator(ApiKeyAuthenticator* a) {
  impl_->pipeline.set_api_key_authenticator(a);
}
unsigned short Server::bound_port() const {
  boost::system::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();  // 0 until run() has bound
}

void Server::on_shutdown(std::function<void()> f) {
  impl_->shutdown_hooks.push_back(std::move(f));
}

void Server::stop() {
  asio::post(impl_->ioc, [impl = impl_] { impl->begin_drain(); });
}

void Server::run() {
  const auto open_files = raise_open_files_limit();
  impl_->max_connections = impl_->options.max_connections > 0 ? impl_->options.max_connections
                                                              : default_max_connections(open_files);
  if (impl_->max_connections >= open_files)
    spdlog::warn(
        "--max-connections {} is not below the open-files limit {}: accept will fail "
        "before the limit is reached",
        impl_->max_connections, open_files);
  impl_->bind();
  impl_->pipeline.attach_metrics();
  impl_->signals.async_wait([impl = impl_](beast::error_code ec, int) {
    if (!ec) impl->begin_drain();
  });
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  spdlog::info("listening on http://{}:{} with {} threads, at most {} connections ({} per IP)",
               impl_->options.host, bound_port(), impl_->options.threads, impl_->max_connections,
               impl_->options.max_connections_per_ip);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i)
    threads.emplace_back([this, i] { impl_->contexts[i]->run(); });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  spdlog::info("stopped");
}

}  // namespace gd::http
