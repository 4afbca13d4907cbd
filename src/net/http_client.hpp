// Outgoing HTTPS (push services, OpenID providers, object stores): libcurl's multi interface
// on one worker thread of its own, so no I/O thread ever waits on another service
// (docs/architecture.md, "Push").
// Every transfer has a connect and a total timeout; HTTP/2 is used where the server offers
// it (APNs requires it), with several requests multiplexed on one connection.
#pragma once
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/async.hpp"

namespace gd::net {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  // Connect only to public addresses (checked on the address actually connected, after
  // resolution), https only: for URLs that came from users (Web Push endpoints).
  bool public_only = false;
  // Response body bytes kept; the rest is read and dropped (see HttpResponse::truncated).
  std::size_t max_body_bytes = 64 * 1024;
};

struct HttpResponse {
  long status = 0;                                           // 0: no response (see error)
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;        // at most the request's max_body_bytes kept
  bool truncated = false;  // the body was longer than that
  std::string error;       // transport failure, if any
  // public_only and an address was refused (with status 0: every address was)
  bool refused_address = false;
  std::string header(std::string_view lower_name) const;
};

struct HttpClientOptions {
  int connect_timeout_ms = 5'000;
  int total_timeout_ms = 15'000;
  std::string ca_file;         // CA bundle for TLS (empty: the system's)
  bool allow_private = false;  // public_only is not enforced (tests)
};

// A value for an application/x-www-form-urlencoded body: RFC 3986's unreserved characters
// as they are, every other byte as %XX.
std::string form_escape(std::string_view s);

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();  // cancels what is in flight (each gets an error response) and joins
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues the transfer; `done` runs on the worker thread when it ends.
  void start(HttpRequest request, std::function<void(HttpResponse)> done);

  // Awaits the transfer; resumes on the caller's executor.
  Task<HttpResponse> send(HttpRequest request) {
    auto initiate = [this](auto handler, HttpRequest req) {
      auto shared = std::make_shared<decltype(handler)>(std::move(handler));
      start(std::move(req), [shared](HttpResponse res) mutable {
        auto ex = boost::asio::get_associated_executor(*shared);
        boost::asio::dispatch(
            ex, [shared, res = std::move(res)]() mutable { std::move (*shared)(std::move(res)); });
      });
    };
    co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                   void(HttpResponse)>(
        std::move(initiate), boost::asio::use_awaitable, std::move(request));
  }

  const HttpClientOptions& options() const { return options_; }

 private:
  struct Impl;
  HttpClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gd::net
