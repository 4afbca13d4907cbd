// The hiredis worker: one thread polls both connections' sockets and an eventfd that start()
// writes to. hiredis's event hooks only set which directions each connection waits for; the
// loop calls redisAsyncHandleRead/Write when poll says so. Connection state lives on this
// thread; other threads see only the queue and three atomics.
#include "redis/redis_client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace gd::redis {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{5'000};

Reply convert(const redisReply* r) {
  Reply out;
  if (!r) {
    out.str = "connection lost";
    return out;
  }
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

Reply failed(std::string why) {
  Reply r;
  r.str = std::move(why);
  return r;
}

std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

struct Command {
  std::vector<std::string> args;
  std::function<void(Reply)> done;
};

void run_done(const std::function<void(Reply)>& done, Reply r) {
  try {
    done(std::move(r));
  } catch (const std::exception& e) {
    spdlog::error("redis: completion failed: {}", e.what());
  }
}

}  // namespace

std::optional<Address> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  Address a;
  const auto slash = url.find('/');
  if (slash != std::string_view::npos) {
    const auto db = url.substr(slash + 1);
    const auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), a.db);
    if (db.empty() || ec != std::errc() || p != db.data() + db.size() || a.db < 0 || a.db > 15)
      return std::nullopt;
    url = url.substr(0, slash);
  }
  const auto colon = url.rfind(':');
  if (colon != std::string_view::npos) {
    const auto port = url.substr(colon + 1);
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (port.empty() || ec != std::errc() || p != port.data() + port.size() || a.port < 1 ||
        a.port > 65535)
      return std::nullopt;
    url = url.substr(0, colon);
  }
  if (url.empty() || url.find_first_of("@[]/?# ") != std::string_view::npos) return std::nullopt;
  a.host = std::string(url);
  return a;
}

struct Client::Impl {
  // One hiredis connection and what the loop knows about it.
  struct Conn {
    Impl* impl = nullptr;
    const char* name = "";
    redisAsyncContext* ac = nullptr;
    bool want_read = false;
    bool want_write = false;
    bool up = false;  // connected (and, for the subscription connection, subscribed)
    Clock::time_point started{};
    Clock::time_point retry_at{};
    milliseconds backoff{0};
    std::deque<Clock::time_point> sent;  // when each reply still awaited was asked for
    bool warned_down = false;
  };
  struct Subscription {
    std::string channel;
    std::function<void(std::string)> on_message;
  };

  ClientOptions options;
  int wake_fd = -1;
  std::mutex mu;
  std::deque<Command> queued;
  std::vector<std::unique_ptr<Subscription>> subscriptions;  // guarded by mu
  bool subscriptions_changed = false;                        // guarded by mu
  std::size_t subscribed_count = 0;  // of subscriptions, asked for on this connection (mu)
  std::atomic<bool> stopping{false};
  std::atomic<bool> cmd_up{false};
  std::atomic<bool> sub_up{false};
  std::atomic<std::uint64_t> connect_count{0};
  std::atomic<std::size_t> wanted_channels{0};     // subscribe() calls so far
  std::atomic<std::size_t> confirmed_channels{0};  // SUBSCRIBEs confirmed on this connection
  Conn cmd;
  Conn sub;
  std::thread thread;

  void run();
  void connect(Conn& c);
  void drop(Conn& c, const std::string& why);
  void on_up(Conn& c);
  void send(Conn& c, Command command);
  void subscribe_all();
  void check_timeouts(Conn& c, Clock::time_point now);
  bool has_subscriptions() {
    std::lock_guard lock(mu);
    return !subscriptions.empty();
  }
  // Frees the context without the disconnect callback (the caller says what happened).
  void discard(Conn& c) {
    c.ac->onDisconnect = nullptr;
    redisAsyncFree(c.ac);
  }
  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }
};

namespace {

Client::Impl::Conn* conn_of(const redisAsyncContext* ac) {
  return static_cast<Client::Impl::Conn*>(ac->data);
}

void add_read(void* p) {
  static_cast<Client::Impl::Conn*>(p)->want_read = true;
}
void del_read(void* p) {
  static_cast<Client::Impl::Conn*>(p)->want_read = false;
}
void add_write(void* p) {
  static_cast<Client::Impl::Conn*>(p)->want_write = true;
}
void del_write(void* p) {
  static_cast<Client::Impl::Conn*>(p)->want_write = false;
}
// hiredis frees the context after this (an error, a disconnect, redisAsyncFree).
void cleanup(void* p) {
  auto* c = static_cast<Client::Impl::Conn*>(p);
  c->ac = nullptr;
  c->want_read = c->want_write = false;
}

// The subscription connection counts as up once its first SUBSCRIBE is confirmed.
void on_connect(const redisAsyncContext* ac, int status) {
  auto* c = conn_of(ac);
  if (status != REDIS_OK) {
    c->impl->drop(*c, ac->errstr[0] ? ac->errstr : "connect failed");
  } else if (c == &c->impl->cmd || !c->impl->has_subscriptions()) {
    c->impl->on_up(*c);
  }
}

void on_disconnect(const redisAsyncContext* ac, int /*status*/) {
  auto* c = conn_of(ac);
  c->impl->drop(*c, ac->errstr[0] ? ac->errstr : "disconnected");
}

struct Pending {
  Client::Impl::Conn* conn;
  std::function<void(Reply)> done;
};

void on_reply(redisAsyncContext* /*ac*/, void* reply, void* privdata) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
  if (!p->conn->sent.empty()) p->conn->sent.pop_front();
  run_done(p->done, convert(static_cast<redisReply*>(reply)));
}

void on_message(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* r = static_cast<redisReply*>(reply);
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
  auto* s = static_cast<Client::Impl::Subscription*>(privdata);
  const std::string_view kind(r->element[0]->str, r->element[0]->len);
  if (kind == "subscribe") {
    auto* c = conn_of(ac);
    c->impl->confirmed_channels.fetch_add(1);
    if (!c->up) c->impl->on_up(*c);
    return;
  }
  if (kind != "message" || r->element[2]->type != REDIS_REPLY_STRING) return;
  try {
    s->on_message(std::string(r->element[2]->str, r->element[2]->len));
  } catch (const std::exception& e) {
    spdlog::error("redis: message on {} failed: {}", s->channel, e.what());
  }
}

}  // namespace

void Client::Impl::connect(Conn& c) {
  c.started = Clock::now();
  c.ac = redisAsyncConnect(options.address.host.c_str(), options.address.port);
  if (!c.ac) throw std::bad_alloc();
  if (c.ac->err) {
    const std::string why = c.ac->errstr;
    redisAsyncFree(c.ac);
    c.ac = nullptr;
    drop(c, why);
    return;
  }
  c.ac->data = &c;
  c.ac->ev.data = &c;
  c.ac->ev.addRead = add_read;
  c.ac->ev.delRead = del_read;
  c.ac->ev.addWrite = add_write;
  c.ac->ev.delWrite = del_write;
  c.ac->ev.cleanup = cleanup;
  redisAsyncSetConnectCallback(c.ac, on_connect);
  redisAsyncSetDisconnectCallback(c.ac, on_disconnect);
  c.want_write = true;  // the connect completes when the socket becomes writable
  if (&c == &cmd && options.address.db != 0)
    send(c, {{"SELECT", std::to_string(options.address.db)}, [](Reply r) {
               if (r.type == Reply::Type::kError) spdlog::error("redis: SELECT failed: {}", r.str);
             }});
  if (&c == &sub) {
    {
      std::lock_guard lock(mu);
      subscribed_count = 0;
      confirmed_channels = 0;
    }
    subscribe_all();
  }
}

// The connection is gone or never came: log once per outage, retry after the back-off.
void Client::Impl::drop(Conn& c, const std::string& why) {
  if (c.up || !c.warned_down) {
    spdlog::warn("redis: {} connection to {}:{} {}: {}", c.name, options.address.host,
                 options.address.port, c.up ? "lost" : "failed", why);
    c.warned_down = true;
  }
  c.up = false;
  (&c == &cmd ? cmd_up : sub_up) = false;
  c.sent.clear();
  c.backoff = std::clamp(c.backoff * 2, kFirstBackoff, kMaxBackoff);
  c.retry_at = Clock::now() + c.backoff;
}

void Client::Impl::on_up(Conn& c) {
  connect_count.fetch_add(1, std::memory_order_relaxed);
  // At the level of the warning that said it was gone, so whoever saw that sees this.
  if (c.warned_down)
    spdlog::warn("redis: {} connection to {}:{} is back", c.name, options.address.host,
                 options.address.port);
  else
    spdlog::info("redis: {} connection to {}:{} is up", c.name, options.address.host,
                 options.address.port);
  c.warned_down = false;
  c.up = true;
  c.backoff = milliseconds(0);
  (&c == &cmd ? cmd_up : sub_up) = true;
}

void Client::Impl::send(Conn& c, Command command) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : command.args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto p = std::make_unique<Pending>(Pending{&c, std::move(command.done)});
  if (!c.ac || redisAsyncCommandArgv(c.ac, on_reply, p.get(), static_cast<int>(argv.size()),
                                     argv.data(), lens.data()) != REDIS_OK) {
    run_done(p->done, failed("not connected"));
    return;
  }
  c.sent.push_back(Clock::now());
  p.release();  // on_reply owns it now
}

// Subscribes the subscription connection to the channels it has not asked for yet.
void Client::Impl::subscribe_all() {
  std::lock_guard lock(mu);
  subscriptions_changed = false;
  if (!sub.ac) return;
  for (; subscribed_count < subscriptions.size(); ++subscribed_count) {
    const auto& s = subscriptions[subscribed_count];
    const char* argv[] = {"SUBSCRIBE", s->channel.c_str()};
    const std::size_t lens[] = {9, s->channel.size()};
    redisAsyncCommandArgv(sub.ac, on_message, s.get(), 2, argv, lens);
  }
}

void Client::Impl::check_timeouts(Conn& c, Clock::time_point now) {
  if (!c.ac) return;
  const milliseconds limit(c.up ? options.command_timeout_ms : options.connect_timeout_ms);
  const bool stuck = c.up ? (!c.sent.empty() && now - c.sent.front() > limit)
                          : (c.ac->c.flags & REDIS_CONNECTED) == 0 && now - c.started > limit;
  if (!stuck) return;
  // Down first, so that whoever a failed command wakes sees the connection down.
  drop(c, c.up ? "no reply in time" : "connect timed out");
  discard(c);  // fails every pending command; cleanup() clears c.ac
}

void Client::Impl::run() {
  cmd.impl = sub.impl = this;
  cmd.name = "command";
  sub.name = "subscription";
  while (!stopping.load()) {
    const auto now = Clock::now();
    for (Conn* c : {&cmd, &sub})
      if (!c->ac && now >= c->retry_at) connect(*c);
    std::deque<Command> fresh;
    bool resubscribe = false;
    {
      std::lock_guard lock(mu);
      fresh.swap(queued);
      resubscribe = subscriptions_changed;
    }
    if (resubscribe) subscribe_all();
    for (auto& command : fresh) {
      if (cmd.up) {
        send(cmd, std::move(command));
      } else {
        run_done(command.done, failed("not connected"));
      }
    }
    pollfd fds[3] = {{wake_fd, POLLIN, 0}, {-1, 0, 0}, {-1, 0, 0}};
    Conn* conns[2] = {&cmd, &sub};
    for (int i = 0; i < 2; ++i) {
      Conn& c = *conns[i];
      if (!c.ac) continue;
      fds[i + 1].fd = c.ac->c.fd;
      fds[i + 1].events =
          static_cast<short>((c.want_read ? POLLIN : 0) | (c.want_write ? POLLOUT : 0));
    }
    ::poll(fds, 3, 50);
    if (fds[0].revents & POLLIN) {
      std::uint64_t n = 0;
      [[maybe_unused]] auto r = ::read(wake_fd, &n, sizeof n);
    }
    for (int i = 0; i < 2; ++i) {
      Conn& c = *conns[i];
      const short ev = fds[i + 1].revents;
      if (c.ac && (ev & (POLLIN | POLLERR | POLLHUP))) redisAsyncHandleRead(c.ac);
      if (c.ac && (ev & (POLLOUT | POLLERR))) redisAsyncHandleWrite(c.ac);
      check_timeouts(c, Clock::now());
    }
  }
  for (Conn* c : {&cmd, &sub})
    if (c->ac) discard(*c);
  std::lock_guard lock(mu);
  for (auto& command : queued) run_done(command.done, failed("shutting down"));
  queued.clear();
}

Client::Client(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  impl_->options = options_;
  impl_->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake_fd < 0) throw std::runtime_error("eventfd failed");
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Client::~Client() {
  impl_->stopping = true;
  impl_->wake();
  impl_->thread.join();
  ::close(impl_->wake_fd);
}

void Client::subscribe(std::string channel, std::function<void(std::string)> on_message) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->subscriptions.push_back(std::make_unique<Impl::Subscription>(
        Impl::Subscription{std::move(channel), std::move(on_message)}));
    impl_->subscriptions_changed = true;
    impl_->wanted_channels.fetch_add(1);
  }
  impl_->wake();
}

void Client::start(std::vector<std::string> args, std::function<void(Reply)> done) {
  if (!impl_->cmd_up.load(std::memory_order_relaxed)) {
    run_done(done, failed("not connected"));
    return;
  }
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->queued.size() >= impl_->options.max_queued) {
      run_done(done, failed("too many commands queued"));
      return;
    }
    impl_->queued.push_back({std::move(args), std::move(done)});
  }
  impl_->wake();
}

Task<Reply> Client::eval(std::string script, std::vector<std::string> keys,
                         std::vector<std::string> args) {
  std::vector<std::string> argv{"EVALSHA", sha1_hex(script), std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = co_await command(argv);
  if (r.type == Reply::Type::kError && r.str.starts_with("NOSCRIPT")) {
    argv[0] = "EVAL";
    argv[1] = std::move(script);
    r = co_await command(std::move(argv));
  }
  co_return r;
}

void Client::publish(std::string channel, std::string message) {
  start({"PUBLISH", std::move(channel), std::move(message)}, [](Reply r) {
    if (r.type == Reply::Type::kError) spdlog::error("redis: PUBLISH failed: {}", r.str);
  });
}

bool Client::connected() const {
  return impl_->cmd_up.load();
}
bool Client::subscribed() const {
  return impl_->sub_up.load();
}
std::uint64_t Client::connects() const {
  return impl_->connect_count.load();
}

}  // namespace gd::redis
