// Streamed response bodies through the real server: pieces arrive as chunks and parse as one
// body; a producer that fails before its first piece yields a 500 problem; one that fails
// later ends the connection mid-body, so the client sees an incomplete message, never a
// complete wrong one.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "core/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace gd {
namespace {

namespace bhttp = boost::beast::http;
using boost::asio::ip::tcp;

Task<void> three_pieces(ByteSink& out) {
  for (char c : {'a', 'b', 'c'}) {
    std::string piece(100'000, c);
    co_await out.send(piece);
  }
}

Task<void> fails_at_once(ByteSink&) {
  throw std::runtime_error("the database went away");
  co_return;
}

Task<void> fails_later(ByteSink& out) {
  std::string piece(100'000, 'x');
  co_await out.send(piece);
  throw std::runtime_error("the database went away");
}

struct Running {
  Metrics metrics;
  http::Server server;
  std::thread thread;
  Running() : server(options(), metrics) {
    const http::RouteOptions open{http::Auth::kNone};
    server.router().add("GET", "/s/ok", open, [](http::Request) -> Task<http::Response> {
      co_return http::Response::streamed_json(200, three_pieces);
    });
    server.router().add("GET", "/s/early", open, [](http::Request) -> Task<http::Response> {
      co_return http::Response::streamed_json(200, fails_at_once);
    });
    server.router().add("GET", "/s/late", open, [](http::Request) -> Task<http::Response> {
      co_return http::Response::streamed_json(200, fails_later);
    });
    thread = std::thread([this] { server.run(); });
    for (int i = 0; i < 500 && server.bound_port() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~Running() {
    server.stop();
    thread.join();
  }
  static http::ServerOptions options() {
    http::ServerOptions o;
    o.port = 0;
    o.access_log = false;
    o.shutdown_timeout_ms = 1000;
    return o;
  }
  // GET `path`; the error of reading the response (none for a whole message).
  boost::system::error_code get(const std::string& path,
                                bhttp::response<bhttp::string_body>& res) const {
    boost::asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server.bound_port()));
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, path, 11};
    req.set(bhttp::field::host, "localhost");
    bhttp::write(socket, req);
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    bhttp::read(socket, buffer, res, ec);
    return ec;
  }
};

TEST(StreamedResponse, PiecesArriveAsChunksOfOneBody) {
  Running r;
  bhttp::response<bhttp::string_body> res;
  ASSERT_FALSE(r.get("/s/ok", res));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.body(),
            std::string(100'000, 'a') + std::string(100'000, 'b') + std::string(100'000, 'c'));
  EXPECT_FALSE(res[bhttp::field::content_type].empty());
  EXPECT_FALSE(res["X-Request-Id"].empty());
}

TEST(StreamedResponse, FailureBeforeTheFirstPieceIsA500Problem) {
  Running r;
  bhttp::response<bhttp::string_body> res;
  ASSERT_FALSE(r.get("/s/early", res));
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_NE(res[bhttp::field::content_type].find("problem+json"), std::string::npos);
  EXPECT_EQ(res.body().find("database"), std::string::npos) << "no internals";
}

TEST(StreamedResponse, FailureLaterEndsTheConnectionMidBody) {
  Running r;
  bhttp::response<bhttp::string_body> res;
  EXPECT_TRUE(r.get("/s/late", res)) << "an incomplete message, not a complete one";
}

}  // namespace
}  // namespace gd
