// The WebSocket side of GET /api/v1/live, used by the server when a request asks for the
// upgrade. The connection is handed over as a file descriptor so that no Beast type shows here.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/async.hpp"
#include "http/live.hpp"
#include "http/request_parser.hpp"

namespace gd::http {

inline constexpr std::string_view kLivePath = "/api/v1/live";

// A GET whose Upgrade header names websocket (header names lowercased).
bool wants_websocket(std::string_view method,
                     const std::vector<std::pair<std::string, std::string>>& headers);

struct LiveContext {
  const LiveOptions* options = nullptr;
  Authenticator* authenticator = nullptr;
  LiveEndpoint* endpoint = nullptr;
  // Called on the connection's thread once the socket is authenticated, and with nullptr when
  // it ends: the server keeps it to close it on shutdown.
  std::function<void(std::shared_ptr<LiveSocket>)> track;
};

// Answers the handshake on the connected socket `fd` (TCP, `v6` or v4), runs the protocol
// (docs/notifications.md "Live") and returns when the socket is closed.
Task<void> serve_live(boost::asio::any_io_executor ex, int fd, bool v6, RequestHead head,
                      LiveContext ctx);

}  // namespace gd::http
