// The HTTP/1.1 server: accepts connections, applies limits and timeouts, runs the middleware
// chain and the matched route's handler. Beast and Asio stay behind this header.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/metrics.hpp"
#include "http/client_address.hpp"
#include "http/live.hpp"
#include "http/router.hpp"
#include "http/types.hpp"

namespace gd::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int threads = 1;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  int header_timeout_ms = 10'000;    // from the first byte of a request to its last header
  int body_timeout_ms = 30'000;      // reading the body
  int idle_timeout_ms = 60'000;      // keep-alive connection waiting for its next request
  int shutdown_timeout_ms = 30'000;  // in-flight requests get this long after SIGTERM
  // Open connections; beyond, idle keep-alive ones are closed first and new clients wait in
  // the listen backlog. 0: the open-files limit (raised to its hard limit) less a reserve.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_ip = 256;  // a further one is closed at once; 0: no limit
  std::vector<std::string> cors_origins;     // exact origins, or "*"
  // Request headers a cross-origin request may send (--cors-allow-headers): ours, and the
  // tracing headers of W3C Trace Context, W3C Baggage and Sentry, which browsers' tracing
  // SDKs add to every request.
  std::vector<std::string> cors_allow_headers = {"Authorization", "Content-Type", "Idempotency-Key",
                                                 "X-Request-Id",  "traceparent",  "tracestate",
                                                 "baggage",       "sentry-trace"};
  // Peers whose X-Forwarded-For is believed (client_address.hpp); none by default.
  std::vector<Cidr> trusted_proxies;
  bool access_log = true;
  // Lingering close after a refused body (413): unread bytes are read and discarded for at
  // most this long and this many bytes before the connection is closed.
  int linger_ms = 2'000;
  std::size_t linger_max_bytes = 64u << 20;
  LiveOptions live;  // GET /api/v1/live
};

class Server {
 public:
  Server(ServerOptions options, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  boost::asio::any_io_executor executor();
  Router& router();
  void set_authenticator(Authenticator* authenticator);
  void set_api_key_authenticator(ApiKeyAuthenticator* authenticator);
  // Serves GET /api/v1/live upgrades (WebSocket); without it the path is an ordinary route.
  void set_live_endpoint(LiveEndpoint* endpoint);
  // Binds (throws on failure), then serves until SIGTERM/SIGINT or stop(), then drains.
  void run();
  void stop();
  // Called once on the I/O thread when shutdown begins (SIGTERM/SIGINT or stop()), before
  // in-flight requests drain: stop background loops here so the I/O threads can run out.
  void on_shutdown(std::function<void()> f);
  unsigned short bound_port() const;  // 0 until run() has bound

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gd::http
