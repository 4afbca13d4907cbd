// Media in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...): path-style PUT/GET/HEAD signed
// with SigV4, through net::HttpClient, with timeouts and retries; and the --media-store spec
// that chooses between it and the local directory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "media/blob_store.hpp"
#include "media/sigv4.hpp"

namespace gd::net {
class HttpClient;
struct HttpResponse;
}  // namespace gd::net

namespace gd::media {

// Where the bucket is: s3://BUCKET?endpoint=URL&region=R.
struct S3Location {
  std::string bucket;
  std::string endpoint;  // scheme://host[:port] (no path), e.g. https://s3.eu-west-1.amazonaws.com
  std::string host;      // host[:port] as sent in the Host header and signed
  std::string region;
};

struct S3Options {
  sigv4::Credentials credentials;
  int connect_timeout_ms = 2'000;
  int timeout_ms = 10'000;  // one attempt, from connect to the last byte
  int retries = 2;          // further attempts after a 5xx, a 429 or no answer
  int retry_base_ms = 100;  // the first retry waits up to this long (doubling, full jitter)
  std::string ca_file;      // CA bundle for https endpoints (empty: the system's)
  // A GET asks for this many bytes at a time (a Range request), so a blob is streamed to
  // the client and never held whole.
  std::size_t get_chunk_bytes = 1024 * 1024;
};

struct DirStore {
  std::string path;
};
using MediaStoreSpec = std::variant<DirStore, S3Location>;

// "dir:PATH" or "s3://BUCKET?endpoint=URL&region=R" (endpoint and region optional: the
// region defaults to `default_region`, the endpoint to AWS's for the region; the endpoint's
// value may be percent-encoded). Throws std::invalid_argument for anything else.
MediaStoreSpec parse_media_store(const std::string& spec, const std::string& default_region);

// The store a spec names: a LocalBlobStore for dir:, an S3BlobStore for s3://.
std::unique_ptr<BlobStore> open_blob_store(const MediaStoreSpec& spec, const S3Options& s3);

class S3BlobStore final : public BlobStore {
 public:
  S3BlobStore(S3Location location, S3Options options);
  ~S3BlobStore() override;
  S3BlobStore(const S3BlobStore&) = delete;
  S3BlobStore& operator=(const S3BlobStore&) = delete;

  Task<void> save(std::string name, std::string bytes, std::string content_type) override;
  Task<std::optional<Blob>> load(std::string name) override;
  Task<bool> exists(std::string name) override;

 private:
  // Signs and sends one request for the object `name`, retrying what is worth retrying;
  // returns the last answer, or throws InfraError when the store never answered usefully.
  Task<net::HttpResponse> call(std::string method, std::string name, std::string body,
                               std::string content_type, std::string range = {});
  // Bytes [from, from + get_chunk_bytes) of a blob of `total` bytes (a 206 for exactly them).
  Task<std::string> get_range(std::string name, std::uint64_t from, std::uint64_t total);
  static Task<void> send_rest(S3BlobStore* store, std::string name, std::uint64_t from,
                              std::uint64_t total, ByteSink& sink);

  S3Location location_;
  S3Options options_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace gd::media
