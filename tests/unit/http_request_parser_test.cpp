// The request parser the server feeds: framing rules of RFC 9112 (Host, Transfer-Encoding),
// limits, and the same answer whether the bytes come at once or one at a time.
#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using gd::ErrorCode;
using gd::http::parse_request;

constexpr std::size_t kHead = 16 * 1024;
constexpr std::size_t kBody = 1024 * 1024;

TEST(HttpRequestParser, ReadsHeadAndBody) {
  const std::string bytes =
      "POST /api/v1/auth/login?x=1 HTTP/1.1\r\nHost: example.test\r\nContent-Type: "
      "application/json\r\nContent-Length: 2\r\n\r\n{}GET /next HTTP/1.1\r\n";
  for (std::size_t piece : {SIZE_MAX, std::size_t{1}, std::size_t{7}}) {
    const auto r = parse_request(bytes, kHead, kBody, piece);
    ASSERT_FALSE(r.error) << piece;
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.head.method, "POST");
    EXPECT_EQ(r.head.target, "/api/v1/auth/login?x=1");
    EXPECT_EQ(r.head.headers.at(1).first, "content-type");
    EXPECT_EQ(r.body, "{}");
    EXPECT_EQ(bytes.substr(r.used_bytes), "GET /next HTTP/1.1\r\n") << "the next request is left";
  }
}

TEST(HttpRequestParser, ReadsChunkedBody) {
  const auto r = parse_request(
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
      kHead, kBody, 3);
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "{}");
}

// A transfer coding other than chunked used to be taken as "no body", and the body was then
// parsed as the connection's next request (request smuggling).
TEST(HttpRequestParser, RefusesTransferCodingsOtherThanChunked) {
  for (const char* te :
       {"identity", "gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked"}) {
    const auto r = parse_request(std::string("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ") +
                                     te + "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n",
                                 kHead, kBody);
    EXPECT_EQ(r.error, ErrorCode::kMalformedRequest) << te;
  }
}

TEST(HttpRequestParser, RefusesTransferEncodingOnHttp10) {
  const auto r = parse_request(
      "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", kHead, kBody);
  EXPECT_EQ(r.error, ErrorCode::kMalformedRequest);
}

TEST(HttpRequestParser, RefusesTransferEncodingWithContentLength) {
  const auto r = parse_request(
      "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
      kHead, kBody);
  EXPECT_EQ(r.error, ErrorCode::kMalformedRequest);
}

TEST(HttpRequestParser, Http11NeedsExactlyOneValidHost) {
  EXPECT_EQ(parse_request("GET /healthz HTTP/1.1\r\n\r\n", kHead, kBody).error,
            ErrorCode::kMalformedRequest);
  EXPECT_EQ(
      parse_request("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", kHead, kBody).error,
      ErrorCode::kMalformedRequest);
  EXPECT_EQ(parse_request("GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", kHead, kBody).error,
            ErrorCode::kMalformedRequest);
  EXPECT_FALSE(
      parse_request("GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", kHead, kBody).error);
  EXPECT_FALSE(parse_request("GET /healthz HTTP/1.0\r\n\r\n", kHead, kBody).error);
}

TEST(HttpRequestParser, EnforcesLimits) {
  EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100, 'a') + "\r\n\r\n",
                          64, kBody)
                .error,
            ErrorCode::kHeadersTooLarge);
  EXPECT_EQ(
      parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", kHead, 10).error,
      ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "b\r\n01234567890\r\n0\r\n\r\n",
                          kHead, 10, 5)
                .error,
            ErrorCode::kPayloadTooLarge);
}

TEST(HttpRequestParser, IncompleteBytesAreNotAnError) {
  const auto r =
      parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n{}", kHead, kBody);
  EXPECT_FALSE(r.error);
  EXPECT_FALSE(r.complete);
}

}  // namespace
