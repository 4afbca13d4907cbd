// libFuzzer target for the path from bytes to a request (http/request_parser): the parser
// must never crash, read out of bounds or loop, and must give the same answer whether the
// bytes arrive at once or in pieces, as they do from a socket. The first input byte picks the
// piece size and the limits; the rest is the request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + (data[0] & 0x3f);
  const std::size_t max_header = (data[0] & 0x40) ? 256 : 16 * 1024;
  const std::uint64_t max_body = (data[0] & 0x80) ? 16 : 1024 * 1024;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  const auto whole = gd::http::parse_request(bytes, max_header, max_body);
  const auto pieces = gd::http::parse_request(bytes, max_header, max_body, piece);
  if (whole.used_bytes > bytes.size() || pieces.used_bytes > bytes.size()) std::abort();
  if (whole.complete && whole.error) std::abort();
  // Delivery in pieces changes when a too-large head is noticed, never what a whole, valid
  // request is.
  if (whole.complete && !pieces.error) {
    if (!pieces.complete || pieces.body != whole.body || pieces.used_bytes != whole.used_bytes ||
        pieces.head.target != whole.head.target || pieces.head.method != whole.head.method)
      std::abort();
  }
  return 0;
}
