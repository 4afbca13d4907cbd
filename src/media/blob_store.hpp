// Where uploaded media live: a small interface and its local-directory implementation (the
// S3-compatible one is s3_blob_store.hpp).
#pragma once
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/async.hpp"
#include "core/byte_sink.hpp"

namespace gd::media {

struct Blob {
  std::string bytes;  // the whole blob, or its first piece when `rest` is set
  std::string content_type;
  // For a store that reads in pieces: sends the rest of the blob, after `bytes`, to the sink.
  // It throws when the store fails midway (the response then ends early).
  std::function<Task<void>(ByteSink&)> rest;
};

// Names are <uuid>.<jpg|png|webp> (see valid_media_name), chosen by the server; a blob is
// never changed once stored. I/O failures are infrastructure failures: exceptions (a store
// that cannot be reached or refuses us throws InfraError, temporary: 503 + Retry-After).
// The coroutines resume on the caller's executor; blocking work is done on another thread.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores atomically: a reader sees the whole blob or none. `name` must be valid. Returns
  // once the store has accepted the blob.
  virtual Task<void> save(std::string name, std::string bytes, std::string content_type) = 0;
  // nullopt for an unknown or malformed name. A store failure is known before this returns.
  virtual Task<std::optional<Blob>> load(std::string name) = 0;
  // Whether a blob of this name is stored, without reading it.
  virtual Task<bool> exists(std::string name) = 0;
};

// Canonical lowercase UUID, a dot, jpg|png|webp. Nothing else can name a blob, which is
// what rules out path traversal ("../", "%2F", NUL, absolute paths) in every store.
bool valid_media_name(std::string_view name);

// One file per blob in a directory (created if missing). A put writes a hidden temporary
// file in the same directory, fsyncs it and renames it into place; the content type follows
// from the extension. The coroutines run put/get on one file thread of the store's own.
class LocalBlobStore final : public BlobStore {
 public:
  explicit LocalBlobStore(std::filesystem::path dir);
  Task<void> save(std::string name, std::string bytes, std::string content_type) override;
  Task<std::optional<Blob>> load(std::string name) override;
  Task<bool> exists(std::string name) override;
  // The blocking calls behind them.
  void put(std::string_view name, std::string_view bytes, std::string_view content_type);
  std::optional<Blob> get(std::string_view name);
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  boost::asio::thread_pool files_{1};
};

}  // namespace gd::media
