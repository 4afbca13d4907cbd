// Uploads: type checks, the image pipeline on a small bounded pool, storage under a fresh
// name; and reads by name for GET /media/{name}.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/async.hpp"
#include "core/background_pool.hpp"
#include "core/result.hpp"
#include "media/blob_store.hpp"
#include "media/image_format.hpp"

namespace gd::media {

struct MediaOptions {
  int max_side_px = 2048;                // output: the longer side after downscaling
  std::int64_t max_pixels = 40'000'000;  // input: width x height beyond this is refused
  std::size_t threads = 1;               // image threads (1..2 is plenty; nice 10)
  std::size_t max_pending = 16;          // uploads queued or being processed; beyond: 503
  int max_input_side_px = 10'000;        // input: a wider or taller image is refused
  std::size_t max_upload_bytes = 10u * 1024 * 1024;  // request body; beyond: 413
};

class MediaService {
 public:
  MediaService(BlobStore& store, MediaOptions options);
  MediaService(const MediaService&) = delete;
  MediaService& operator=(const MediaService&) = delete;

  // Checks the bytes against the declared format (nullopt: application/octet-stream, any of
  // the three), re-encodes them and stores the result; returns the blob name
  // <uuid>.<jpg|png|webp> once the store has it. Errors: INVALID_IMAGE, IMAGE_TOO_LARGE,
  // SERVICE_UNAVAILABLE (the image pool is full); a store failure throws (BlobStore).
  Task<Result<std::string>> upload(std::string bytes, std::optional<ImageFormat> declared);
  // A stored image, or nullopt for an unknown or malformed name.
  Task<std::optional<Blob>> get(std::string name);
  Task<bool> exists(std::string name);

  const MediaOptions& options() const { return options_; }
  std::size_t pending() const { return pool_.pending(); }

 private:
  BlobStore& store_;
  MediaOptions options_;
  BackgroundPool pool_;
};

}  // namespace gd::media
