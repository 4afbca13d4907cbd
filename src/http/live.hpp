// Live sockets (GET /api/v1/live, docs/notifications.md "Live") as the rest of the app sees
// them: a socket that takes text frames and can be closed, and the endpoint that the server
// hands an authenticated socket to. The WebSocket itself (Beast) stays in live_socket.cpp.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "core/result.hpp"
#include "http/types.hpp"

namespace gd::http {

// Close codes the server uses (RFC 6455 §7.4 and the 4000-4999 private range).
namespace live_close {
constexpr int kGoingAway = 1001;     // the server shuts down
constexpr int kProtocol = 4000;      // first message not {"type":"auth",...}, bad JSON, or timeout
constexpr int kUnauthorized = 4001;  // bad or expired access token, or the session ended
constexpr int kSlowConsumer = 4008;  // too many frames for it while its replay was read
}  // namespace live_close

struct LiveOptions {
  int handshake_timeout_ms = 10'000;           // for the WebSocket upgrade handshake
  int auth_timeout_ms = 10'000;                // for the first (auth) message
  int ping_interval_ms = 20'000;               // a ping when the client was silent this long...
  std::size_t max_message_bytes = 4096;        // a larger client frame closes with 1008
  std::size_t max_queued_bytes = 1024 * 1024;  // unsent bytes per socket; beyond, it is dropped
  // SO_SNDBUF of a live socket: fixed, so that the kernel's share of a client that does not
  // read is bounded too (autotuning would let it grow to megabytes).
  int send_buffer_bytes = 64 * 1024;
};

// One open live socket. Safe to call from any thread.
class LiveSocket {
 public:
  virtual ~LiveSocket() = default;
  // Queues a text frame; false when the socket is closing (or closes now, its queue full).
  virtual bool send(std::string frame) = 0;
  virtual void close(int code, std::string reason) = 0;
  virtual const Principal& principal() const = 0;
};

// Implemented by the live module: subscribes a socket whose token the server verified,
// replays what it missed and answers {"type":"ready"}.
class LiveEndpoint {
 public:
  virtual ~LiveEndpoint() = default;
  // `since`: the client's last notification id. An error closes the socket with 4000.
  virtual Task<Status> open(std::shared_ptr<LiveSocket> socket,
                            std::optional<std::string> since) = 0;
  // The socket ended (it is not sent anything more).
  virtual void closed(const LiveSocket& socket) = 0;
};

}  // namespace gd::http
