// Beast's request parser behind RequestParser, and the framing rules of RFC 9112 that Beast
// leaves to its user. A request whose framing is in doubt is refused, never guessed at: a
// guess that differs from a proxy's is request smuggling.
#include "http/request_parser.hpp"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <limits>

#include "core/text.hpp"

namespace gd::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct RequestParser::Impl {
  bhttp::request_parser<bhttp::string_body> parser;
};

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 9110 §7.2: uri-host [ ":" port ], where a host is a reg-name, an IPv4 address or an
// IP literal in brackets. Empty is allowed (a target without an authority).
bool valid_host(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) ||
           std::string_view("-._~%!$&'()*+,;=:[]").find(c) != std::string_view::npos;
  });
}

// RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host; none may carry two.
bool host_ok(const RequestHead& head) {
  int hosts = 0;
  for (const auto& [name, value] : head.headers) {
    if (name != "host") continue;
    if (++hosts > 1 || !valid_host(value)) return false;
  }
  return hosts == 1 || (hosts == 0 && head.version < 11);
}

// RFC 9112 §6.1/§6.3: the body of a request is framed by Content-Length or by the chunked
// coding alone. Any other transfer coding (gzip, identity, "gzip, chunked") cannot be
// framed by this server, and an HTTP/1.0 request with Transfer-Encoding has faulty framing.
bool transfer_encoding_ok(const RequestHead& head, bool chunked) {
  for (const auto& [name, value] : head.headers) {
    if (name != "transfer-encoding") continue;
    if (head.version < 11 || !chunked) return false;
    const auto v = trim_ows(value);
    if (lowercase(v) != "chunked") return false;
  }
  return true;
}

ErrorCode error_for(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return ErrorCode::kHeadersTooLarge;
  if (ec == bhttp::error::body_limit) return ErrorCode::kPayloadTooLarge;
  return ErrorCode::kMalformedRequest;
}

}  // namespace

RequestParser::RequestParser(std::size_t max_header_bytes) : impl_(std::make_unique<Impl>()) {
  impl_->parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  impl_->parser.body_limit(boost::none);  // set_body_limit() decides before the body is read
  impl_->parser.eager(false);             // stop after the head
}

RequestParser::~RequestParser() = default;

std::size_t RequestParser::put(std::string_view bytes) {
  auto& p = impl_->parser;
  if (error_ || p.is_done() || (p.is_header_done() && !body_allowed_)) return 0;
  const bool had_head = p.is_header_done();
  beast::error_code ec;
  const auto used = p.put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
  if (ec && ec != bhttp::error::need_more) {
    error_ = error_for(ec);
    return used;
  }
  if (!had_head && p.is_header_done()) finish_head();
  return used;
}

void RequestParser::finish_head() {
  const auto& req = impl_->parser.get();
  head_.method = std::string(req.method_string());
  head_.target = std::string(req.target());
  head_.version = req.version();
  head_.keep_alive = req.keep_alive();
  for (const auto& f : req) head_.headers.emplace_back(lowercase(f.name_string()), f.value());
  if (!host_ok(head_) || !transfer_encoding_ok(head_, impl_->parser.chunked()))
    error_ = ErrorCode::kMalformedRequest;
}

bool RequestParser::head_done() const {
  return impl_->parser.is_header_done() && !error_;
}

bool RequestParser::done() const {
  return impl_->parser.is_done() && !error_;
}

std::optional<std::uint64_t> RequestParser::content_length() const {
  if (!impl_->parser.is_header_done()) return std::nullopt;
  const auto n = impl_->parser.content_length();
  return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
}

void RequestParser::set_body_limit(std::uint64_t limit_bytes) {
  impl_->parser.body_limit(limit_bytes);
  impl_->parser.eager(true);  // from here on, take every body byte offered
  body_allowed_ = true;
}

std::string RequestParser::take_body() {
  return std::move(impl_->parser.get().body());
}

ParsedRequest parse_request(std::string_view bytes, std::size_t max_header_bytes,
                            std::uint64_t max_body_bytes, std::size_t piece_bytes) {
  ParsedRequest out;
  RequestParser parser(max_header_bytes);
  piece_bytes = std::max<std::size_t>(1, piece_bytes);
  std::size_t offered = std::min(bytes.size(), piece_bytes);  // bytes "read" so far
  bool body_limit_set = false;
  for (;;) {
    const auto used = parser.put(bytes.substr(out.used_bytes, offered - out.used_bytes));
    out.used_bytes += used;
    if (parser.error() || parser.done()) break;
    if (parser.head_done() && !body_limit_set) {
      // The server's step between head and body: refuse a declared length over the limit.
      const auto length = parser.content_length();
      if (length && *length > max_body_bytes) {
        out.error = ErrorCode::kPayloadTooLarge;
        out.head = parser.head();
        return out;
      }
      parser.set_body_limit(max_body_bytes);
      body_limit_set = true;
      continue;
    }
    if (used > 0 && out.used_bytes < offered) continue;
    if (offered == bytes.size()) break;  // the bytes end inside the request
    offered = std::min(bytes.size(), offered + piece_bytes);
  }
  out.error = parser.error();
  out.complete = parser.done();
  if (parser.head_done() || out.error) out.head = parser.head();
  if (out.complete) out.body = parser.take_body();
  return out;
}

}  // namespace gd::http
