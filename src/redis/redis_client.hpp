// A Redis client for what several server processes share (docs/scaling.md): hiredis's
// asynchronous API driven by a poll loop on one worker thread of its own, so no I/O thread
// ever waits on Redis. Two connections per process: one for commands, one for subscriptions.
// Both reconnect with back-off (100 ms doubling to 5 s); while the command connection is down,
// a command fails at once (Reply::Type::kFailed) and the caller falls back to what it does
// without Redis.
#pragma once
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/async.hpp"

namespace gd::redis {

struct Address {
  std::string host;
  int port = 6379;
  int db = 0;
};

// redis://HOST[:PORT][/DB]; nullopt when it is not that shape.
std::optional<Address> parse_url(std::string_view url);

struct Reply {
  // kFailed: no reply (not connected, timed out, connection lost); kError: Redis said -ERR.
  enum class Type { kFailed, kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kFailed;
  long long integer = 0;
  std::string str;  // a string or status reply, Redis's error text, or why it failed
  std::vector<Reply> elements;
  bool ok() const { return type != Type::kFailed && type != Type::kError; }
};

struct ClientOptions {
  Address address;
  int connect_timeout_ms = 1'000;
  int command_timeout_ms = 1'000;   // a reply slower than this drops the connection
  std::size_t max_queued = 10'000;  // commands waiting for the worker; beyond, they fail at once
};

class Client {
 public:
  // Connects in the background; commands sent before the first connection fail.
  explicit Client(ClientOptions options);
  ~Client();  // fails what is in flight and joins the worker
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Subscribes the subscription connection to `channel` (again after every reconnect);
  // `on_message` runs on the worker thread for every message. Call before traffic matters.
  void subscribe(std::string channel, std::function<void(std::string)> on_message);

  // Queues the command; `done` runs on the worker thread.
  void start(std::vector<std::string> args, std::function<void(Reply)> done);

  // Awaits the command; resumes on the caller's executor.
  Task<Reply> command(std::vector<std::string> args) {
    auto initiate = [this](auto handler, std::vector<std::string> a) {
      auto shared = std::make_shared<decltype(handler)>(std::move(handler));
      start(std::move(a), [shared](Reply r) mutable {
        auto ex = boost::asio::get_associated_executor(*shared);
        boost::asio::dispatch(
            ex, [shared, r = std::move(r)]() mutable { std::move (*shared)(std::move(r)); });
      });
    };
    co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                   void(Reply)>(
        std::move(initiate), boost::asio::use_awaitable, std::move(args));
  }

  // EVALSHA, and EVAL when Redis does not know the script yet (a restart flushed it).
  Task<Reply> eval(std::string script, std::vector<std::string> keys,
                   std::vector<std::string> args);

  // Fire and forget.
  void publish(std::string channel, std::string message);

  // Whether the command connection is up now.
  bool connected() const;
  // Whether the subscription connection is up and every subscribe() is confirmed now.
  bool subscribed() const;
  // Connections made since start (the first one included), both connections counted.
  std::uint64_t connects() const;
  const ClientOptions& options() const { return options_; }

  struct Impl;  // the worker, defined in redis_client.cpp

 private:
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gd::redis
