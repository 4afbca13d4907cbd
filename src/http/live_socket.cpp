// GET /api/v1/live: a Beast WebSocket per connection, on the connection's own thread. The
// first message must authenticate within the time limit; then a writer drains the socket's
// bounded queue while a reader answers pings and notices the client leave. Beast's idle
// timeout sends the pings (keep_alive_pings) and closes a socket whose pongs stop.
#include "http/live_socket.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <deque>
#include <mutex>

namespace gd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

bool equals_lower(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i]) return false;
  return true;
}

websocket::close_reason reason(int code, std::string_view why) {
  websocket::close_reason r;
  r.code = static_cast<std::uint16_t>(code);
  r.reason = std::string(why);
  return r;
}

struct AuthMessage {
  std::string token;
  std::optional<std::string> since;
};

// {"type":"auth","accessToken":"...","since":"..."?}; nullopt for anything else.
std::optional<AuthMessage> parse_auth(std::string_view text) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* type = o.if_contains("type");
  const auto* token = o.if_contains("accessToken");
  const auto* since = o.if_contains("since");
  if (!type || !type->is_string() || type->get_string() != "auth") return std::nullopt;
  if (!token || !token->is_string() || token->get_string().empty()) return std::nullopt;
  AuthMessage m{std::string(token->get_string()), std::nullopt};
  if (since && !since->is_null()) {
    if (!since->is_string()) return std::nullopt;
    m.since = std::string(since->get_string());
  }
  return m;
}

class Connection final : public LiveSocket, public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const LiveOptions& options)
      : ws_(beast::tcp_stream(std::move(socket))), options_(options), wake_(ws_.get_executor()) {}

  bool send(std::string frame) override {
    {
      std::lock_guard lock(mu_);
      if (closing_) return false;
      if (queued_bytes_ + frame.size() > options_.max_queued_bytes) {
        // It does not read: a close frame would queue behind the rest. Drop the connection.
        closing_ = true;
        abort_ = true;
        queue_.clear();
      } else {
        queued_bytes_ += frame.size();
        queue_.push_back(std::move(frame));
      }
    }
    poke();
    return !abort_;
  }

  void close(int code, std::string reason) override {
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      closing_ = true;
      code_ = code;
      reason_ = std::move(reason);
    }
    poke();
  }

  const Principal& principal() const override { return principal_; }

  Task<void> run(RequestHead head, LiveContext ctx) {
    auto self = shared_from_this();
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, head.target, head.version};
    for (const auto& [k, v] : head.headers) req.insert(k, v);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = milliseconds(options_.handshake_timeout_ms);
    timeouts.idle_timeout = milliseconds(2 * std::max(options_.ping_interval_ms, 1));
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(options_.max_message_bytes);
    ws_.text(true);
    beast::error_code ec;
    co_await ws_.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;

    auto first = co_await read_auth();
    if (!first) co_return;
    Result<Principal> who = make_error(ErrorCode::kTokenInvalid, "");
    bool failed = false;
    try {
      who = co_await ctx.authenticator->authenticate(first->token, false);
    } catch (const std::exception& e) {
      spdlog::warn("live socket: authentication failed: {}", e.what());
      failed = true;
    }
    if (failed) {
      co_await close_now(1011, "try again later");
      co_return;
    }
    if (!who) {
      const bool expired = who.error().code == ErrorCode::kTokenExpired;
      co_await close_now(live_close::kUnauthorized, expired ? "token expired" : "token invalid");
      co_return;
    }
    principal_ = std::move(who.value());

    asio::co_spawn(ws_.get_executor(), writer(self), asio::detached);
    if (ctx.track) ctx.track(self);
    try {
      auto opened = co_await ctx.endpoint->open(self, std::move(first->since));
      if (!opened) {
        close(live_close::kProtocol, opened.error().detail);
      } else if (!co_await ctx.authenticator->authenticate(first->token, false)) {
        // The session ended between the check above and the socket joining the hub, so the
        // hub could not close it. (Any revocation empties the session cache: this is a
        // cache hit unless one happened meanwhile.)
        close(live_close::kUnauthorized, "session ended");
      }
    } catch (const std::exception& e) {
      spdlog::warn("live socket: opening failed: {}", e.what());
      close(1011, "try again later");
    }
    co_await reader();
    ctx.endpoint->closed(*this);
    if (ctx.track) ctx.track(nullptr);
    abort();
  }

 private:
  // The auth message, or nullopt when the socket was closed instead (timeout, bad message).
  Task<std::optional<AuthMessage>> read_auth() {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    asio::steady_timer deadline(ws_.get_executor(), milliseconds(options_.auth_timeout_ms));
    deadline.async_wait([self](beast::error_code e) {
      if (e) return;
      self->timed_out_ = true;
      self->ws_.async_close(reason(live_close::kProtocol, "no auth message in time"),
                            [self](beast::error_code) {});
    });
    beast::error_code ec;
    co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
    if (ec || timed_out_) co_return std::nullopt;
    const auto data = buffer.data();
    auto msg = ws_.got_text() ? parse_auth({static_cast<const char*>(data.data()), data.size()})
                              : std::nullopt;
    if (!msg)
      co_await close_now(live_close::kProtocol, "the first message must be {\"type\":\"auth\"}");
    co_return msg;
  }

  Task<void> close_now(int code, std::string_view why) {
    beast::error_code ec;
    co_await ws_.async_close(gd::http::reason(code, why),
                             asio::redirect_error(asio::use_awaitable, ec));
  }

  // Reads until the connection ends: pongs and the client's close come through here. The
  // client has nothing more to say, so its messages are dropped.
  Task<void> reader() {
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      buffer.consume(buffer.size());
    }
  }

  static Task<void> writer(std::shared_ptr<Connection> self) { co_await self->write_loop(); }

  Task<void> write_loop() {
    for (;;) {
      std::string next;
      bool have = false;
      bool closing = false;
      int code = 0;
      std::string reason;
      {
        std::lock_guard lock(mu_);
        if (abort_) co_return;
        if (!queue_.empty()) {
          next = std::move(queue_.front());
          queue_.pop_front();
          have = true;
        }
        closing = closing_;
        code = code_;
        reason = reason_;
      }
      beast::error_code ec;
      if (have) {
        co_await ws_.async_write(asio::buffer(next), asio::redirect_error(asio::use_awaitable, ec));
        {
          std::lock_guard lock(mu_);
          queued_bytes_ -= std::min(queued_bytes_, next.size());
        }
        if (ec) co_return;
        continue;
      }
      if (closing) {
        co_await close_now(code, reason);
        co_return;
      }
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // Wakes the writer; drops the connection when its queue overflowed.
  void poke() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->abort_) {
        beast::error_code ec;
        beast::get_lowest_layer(self->ws_).socket().close(ec);
      }
      self->wake_.cancel();
    });
  }

  void abort() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
      abort_ = true;
      queue_.clear();
      queued_bytes_ = 0;
    }
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
    wake_.cancel();
  }

  websocket::stream<beast::tcp_stream> ws_;
  const LiveOptions& options_;
  asio::steady_timer wake_;
  Principal principal_;
  bool timed_out_ = false;
  std::mutex mu_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool closing_ = false;
  std::atomic<bool> abort_{false};
  int code_ = 1000;
  std::string reason_;
};

}  // namespace

bool wants_websocket(std::string_view method,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  if (method != "GET") return false;
  for (const auto& [k, v] : headers)
    if (k == "upgrade" && equals_lower(v, "websocket")) return true;
  return false;
}

Task<void> serve_live(asio::any_io_executor ex, int fd, bool v6, RequestHead head,
                      LiveContext ctx) {
  tcp::socket socket(ex);
  boost::system::error_code ec;
  socket.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    co_return;
  }
  socket.set_option(asio::socket_base::send_buffer_size(ctx.options->send_buffer_bytes), ec);
  auto conn = std::make_shared<Connection>(std::move(socket), *ctx.options);
  co_await conn->run(std::move(head), std::move(ctx));
}

}  // namespace gd::http
