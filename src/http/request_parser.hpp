// Turns the bytes of a connection into one request: Beast's HTTP/1.1 parser plus the checks
// it leaves to the server (RFC 9112: a Host field on HTTP/1.1, no framing by a transfer coding
// other than chunked). The server feeds it what it reads; the fuzz target feeds it anything.
// No Beast in this header.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error_code.hpp"

namespace gd::http {

struct RequestHead {
  std::string method;
  std::string target;
  unsigned version = 11;  // 10 or 11
  bool keep_alive = false;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
};

// One request at a time: feed bytes with put() until the head is done, decide the body limit
// (the route's), then feed on until done(). An error ends the request, and the connection with
// it: the server cannot know where the next request would start.
class RequestParser {
 public:
  explicit RequestParser(std::size_t max_header_bytes);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Uses what it can of `bytes` and returns how many it used; the rest must be offered again
  // with more bytes after it. Before the body limit is set it stops at the end of the head.
  std::size_t put(std::string_view bytes);
  bool head_done() const;
  bool done() const;  // head and body complete
  // Why the bytes are not a request: kHeadersTooLarge, kPayloadTooLarge, kMalformedRequest.
  std::optional<ErrorCode> error() const { return error_; }

  // After head_done():
  const RequestHead& head() const { return head_; }
  std::optional<std::uint64_t> content_length() const;
  // Lets put() go on into the body, which may hold at most `limit_bytes`.
  void set_body_limit(std::uint64_t limit_bytes);
  std::string take_body();

 private:
  struct Impl;
  void finish_head();

  std::unique_ptr<Impl> impl_;
  RequestHead head_;
  std::optional<ErrorCode> error_;
  bool body_allowed_ = false;
};

// What the server makes of `bytes` as one whole request (head limit `max_header_bytes`, body
// limit `max_body_bytes`), fed in pieces of at most `piece_bytes`: the parser's outcome and how
// many bytes the request took. For tests and the fuzz target.
struct ParsedRequest {
  std::optional<ErrorCode> error;
  bool complete = false;  // false: the bytes end inside the request
  RequestHead head;
  std::string body;
  std::size_t used_bytes = 0;
};
ParsedRequest parse_request(std::string_view bytes, std::size_t max_header_bytes,
                            std::uint64_t max_body_bytes, std::size_t piece_bytes = SIZE_MAX);

}  // namespace gd::http
