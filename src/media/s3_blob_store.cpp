// The S3 blob store: one object per blob at ENDPOINT/BUCKET/NAME (path style, which every
// S3-compatible server accepts), SigV4 with a signed payload hash, retries with back-off for
// the idempotent PUT/GET/HEAD. Any failure of the store is an InfraError marked temporary, so
// a client gets 503 + Retry-After, never a 500, and an upload is never acknowledged unstored.
#include "media/s3_blob_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <random>
#include <stdexcept>

#include "core/infra_error.hpp"
#include "media/image_format.hpp"
#include "net/http_client.hpp"

namespace gd::media {
namespace {

namespace asio = boost::asio;

// What a GET keeps of an object sent whole (a store that ignores Range): far above any
// re-encoded upload, as for the local store.
constexpr std::size_t kMaxObjectBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxErrorBytes = 16 * 1024;  // an error document, kept for the log

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Bucket names as AWS and the S3-compatible servers accept them (lowercase DNS-like labels;
// upper case and '_' from AWS's legacy rules are let through for older buckets).
bool valid_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  return std::all_of(b.begin(), b.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  });
}

void set_endpoint(S3Location& loc, std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    throw std::invalid_argument("--media-store: the endpoint must be an http:// or https:// URL");
  loc.host = url.substr(scheme_end + 3);
  if (loc.host.empty() || loc.host.find_first_of("/?#@ ") != std::string::npos)
    throw std::invalid_argument(
        "--media-store: the endpoint is scheme://host[:port], without a path");
  loc.endpoint = std::move(url);
}

std::string amz_date_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[17];
  std::strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &tm);
  return out;
}

bool worth_retrying(long status) {
  return status == 0 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

// "403 SignatureDoesNotMatch", "503 SlowDown", or the transport error: for logs and errors.
std::string describe(const net::HttpResponse& res) {
  if (res.status == 0) return res.error.empty() ? "no answer" : res.error;
  std::string text = std::to_string(res.status);
  const auto open = res.body.find("<Code>");
  const auto close = res.body.find("</Code>");
  if (open != std::string::npos && close != std::string::npos && close > open + 6)
    text += " " + res.body.substr(open + 6, std::min<std::size_t>(close - open - 6, 64));
  return text;
}

[[noreturn]] void store_failed(const std::string& method, const std::string& name,
                               const net::HttpResponse& res) {
  throw InfraError(true, "media store: " + method + " " + name + ": " + describe(res));
}

struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t total = 0;
};

// "bytes FIRST-LAST/TOTAL" (RFC 9110 14.4), as a 206 carries it.
std::optional<ContentRange> parse_content_range(std::string_view v) {
  ContentRange r;
  char unit[6] = {};
  const std::string text(v);
  int used = 0;
  if (std::sscanf(text.c_str(), "%5s %" SCNu64 "-%" SCNu64 "/%" SCNu64 "%n", unit, &r.first,
                  &r.last, &r.total, &used) != 4 ||
      std::string_view(unit) != "bytes" || static_cast<std::size_t>(used) != text.size() ||
      r.first > r.last || r.last >= r.total)
    return std::nullopt;
  return r;
}

std::string range_of(std::uint64_t from, std::uint64_t count) {
  return "bytes=" + std::to_string(from) + "-" + std::to_string(from + count - 1);
}

std::chrono::milliseconds backoff(int base_ms, int attempt) {
  thread_local std::minstd_rand random{std::random_device{}()};
  const int ceiling = base_ms << std::min(attempt, 10);
  return std::chrono::milliseconds(
      std::uniform_int_distribution<int>(ceiling / 2, ceiling)(random));
}

}  // namespace

MediaStoreSpec parse_media_store(const std::string& spec, const std::string& default_region) {
  if (spec.rfind("dir:", 0) == 0) {
    if (spec.size() == 4) throw std::invalid_argument("--media-store dir: needs a path");
    return DirStore{spec.substr(4)};
  }
  if (spec.rfind("s3://", 0) != 0)
    throw std::invalid_argument(
        "--media-store must be dir:PATH or s3://BUCKET?endpoint=URL&region=R");
  const std::string rest = spec.substr(5);
  const auto q = rest.find('?');
  S3Location loc;
  loc.bucket = rest.substr(0, q);
  if (!loc.bucket.empty() && loc.bucket.back() == '/') loc.bucket.pop_back();
  if (!valid_bucket(loc.bucket))
    throw std::invalid_argument("--media-store: \"" + loc.bucket + "\" is not a bucket name");
  loc.region = default_region.empty() ? "us-east-1" : default_region;
  std::string endpoint;
  std::string_view query = q == std::string::npos ? "" : std::string_view(rest).substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    const auto eq = item.find('=');
    const std::string key(item.substr(0, eq));
    const std::string value =
        eq == std::string_view::npos ? "" : percent_decode(item.substr(eq + 1));
    if (key == "endpoint" && !value.empty())
      endpoint = value;
    else if (key == "region" && !value.empty())
      loc.region = value;
    else
      throw std::invalid_argument("--media-store: unknown or empty parameter \"" + key + "\"");
  }
  set_endpoint(loc, endpoint.empty() ? "https://s3." + loc.region + ".amazonaws.com" : endpoint);
  return loc;
}

std::unique_ptr<BlobStore> open_blob_store(const MediaStoreSpec& spec, const S3Options& s3) {
  if (const auto* dir = std::get_if<DirStore>(&spec)) {
    spdlog::info("media store: directory {}", dir->path);
    return std::make_unique<LocalBlobStore>(dir->path);
  }
  const auto& loc = std::get<S3Location>(spec);
  spdlog::info("media store: bucket {} at {} ({})", loc.bucket, loc.endpoint, loc.region);
  return std::make_unique<S3BlobStore>(loc, s3);
}

S3BlobStore::S3BlobStore(S3Location location, S3Options options)
    : location_(std::move(location)), options_(std::move(options)) {
  if (options_.credentials.access_key_id.empty() || options_.credentials.secret_access_key.empty())
    throw std::invalid_argument(
        "an s3:// media store needs --s3-access-key-id and --s3-secret-access-key");
  net::HttpClientOptions http;
  http.connect_timeout_ms = options_.connect_timeout_ms;
  http.total_timeout_ms = options_.timeout_ms;
  http.ca_file = options_.ca_file;
  http_ = std::make_unique<net::HttpClient>(http);
}

S3BlobStore::~S3BlobStore() = default;

Task<net::HttpResponse> S3BlobStore::call(std::string method, std::string name, std::string body,
                                          std::string content_type, std::string range) {
  sigv4::Request signing;
  signing.method = method;
  signing.path = "/" + location_.bucket + "/" + name;
  signing.payload_sha256_hex = sigv4::sha256_hex(body);
  net::HttpRequest base;
  base.method = method;
  base.url = location_.endpoint + sigv4::encode_path(signing.path);
  base.body = std::move(body);
  base.max_body_bytes =
      method == "GET" ? std::max(kMaxObjectBytes, options_.get_chunk_bytes) : kMaxErrorBytes;
  for (int attempt = 0;; ++attempt) {
    sigv4::Request req = signing;
    req.headers = {{"Host", location_.host}, {"X-Amz-Content-Sha256", req.payload_sha256_hex}};
    if (!content_type.empty()) req.headers.emplace_back("Content-Type", content_type);
    if (!range.empty()) req.headers.emplace_back("Range", range);
    const auto authorization =
        sigv4::sign(req, options_.credentials, location_.region, "s3", amz_date_now());
    net::HttpRequest out = base;
    for (const auto& [k, v] : req.headers) out.headers.push_back(k + ": " + v);
    out.headers.push_back("Authorization: " + authorization);
    out.headers.push_back("Expect:");  // no 100-continue round trip before the body
    auto res = co_await http_->send(std::move(out));
    if (!worth_retrying(res.status) || attempt >= options_.retries) {
      if (worth_retrying(res.status)) store_failed(method, name, res);
      co_return res;
    }
    const auto wait = backoff(options_.retry_base_ms, attempt);
    spdlog::warn("media store: {} {}: {}; retrying in {} ms", method, name, describe(res),
                 wait.count());
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

Task<void> S3BlobStore::save(std::string name, std::string bytes, std::string content_type) {
  // The caller chose the name; a bad one is a bug and must never reach the bucket.
  if (!valid_media_name(name)) throw std::invalid_argument("invalid blob name");
  auto res = co_await call("PUT", name, std::move(bytes), std::move(content_type));
  if (res.status < 200 || res.status > 299) store_failed("PUT", name, res);
}

// The first piece is read here, so a missing blob (404) or a store failure (503) is answered
// before any byte goes out; the rest follows piece by piece as the client takes it.
Task<std::optional<Blob>> S3BlobStore::load(std::string name) {
  if (!valid_media_name(name)) co_return std::nullopt;
  auto res = co_await call("GET", name, "", "", range_of(0, options_.get_chunk_bytes));
  if (res.status == 404) co_return std::nullopt;
  // The type follows from the name, as for the local store, whatever the bucket says.
  const auto format = format_of_extension(name.substr(name.rfind('.') + 1));
  Blob blob{"", std::string(content_type_of(*format)), {}};
  if (res.status == 200) {                      // a store that ignores Range sends it whole
    if (res.truncated) co_return std::nullopt;  // larger than anything stored here
    blob.bytes = std::move(res.body);
    co_return blob;
  }
  const auto range = parse_content_range(res.header("content-range"));
  if (res.status != 206 || !range || range->first != 0 || res.body.size() != range->last + 1)
    store_failed("GET", name, res);
  blob.bytes = std::move(res.body);
  if (blob.bytes.size() < range->total) {
    const std::uint64_t from = blob.bytes.size(), total = range->total;
    blob.rest = [this, name, from, total](ByteSink& sink) {
      return send_rest(this, name, from, total, sink);
    };
  }
  co_return blob;
}

Task<std::string> S3BlobStore::get_range(std::string name, std::uint64_t from,
                                         std::uint64_t total) {
  const std::uint64_t count = std::min<std::uint64_t>(options_.get_chunk_bytes, total - from);
  auto res = co_await call("GET", name, "", "", range_of(from, count));
  const auto range = parse_content_range(res.header("content-range"));
  // Blobs never change, so every piece must agree with the first one's total.
  if (res.status != 206 || !range || range->first != from || range->last != from + count - 1 ||
      range->total != total || res.body.size() != count)
    store_failed("GET", name, res);
  co_return std::move(res.body);
}

Task<void> S3BlobStore::send_rest(S3BlobStore* store, std::string name, std::uint64_t from,
                                  std::uint64_t total, ByteSink& sink) {
  while (from < total) {
    std::string piece = co_await store->get_range(name, from, total);
    from += piece.size();
    co_await sink.send(piece);
  }
}

Task<bool> S3BlobStore::exists(std::string name) {
  if (!valid_media_name(name)) co_return false;
  auto res = co_await call("HEAD", name, "", "");
  if (res.status == 404) co_return false;
  if (res.status != 200) store_failed("HEAD", name, res);
  co_return true;
}

}  // namespace gd::media
