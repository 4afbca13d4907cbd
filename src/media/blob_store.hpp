// Where uploaded media live: a small interface (a local directory today, an S3-compatible
// bucket later) and its local-directory implementation.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gd::media {

struct Blob {
  std::string bytes;
  std::string content_type;
};

// Names are <uuid>.<jpg|png|webp> (see valid_media_name), chosen by the server; a blob is
// never changed once stored. I/O failures are infrastructure failures: exceptions.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores atomically: a reader sees the whole blob or none. `name` must be valid.
  virtual void put(std::string_view name, std::string_view bytes,
                   std::string_view content_type) = 0;
  // nullopt for an unknown or malformed name.
  virtual std::optional<Blob> get(std::string_view name) = 0;
};

// Canonical lowercase UUID, a dot, jpg|png|webp. Nothing else can name a blob, which is
// what rules out path traversal ("../", "%2F", NUL, absolute paths) in every store.
bool valid_media_name(std::string_view name);

// One file per blob in a directory (created if missing). A put writes a hidden temporary
// file in the same directory, fsyncs it and renames it into place; the content type follows
// from the extension.
class LocalBlobStore final : public BlobStore {
 public:
  explicit LocalBlobStore(std::filesystem::path dir);
  void put(std::string_view name, std::string_view bytes, std::string_view content_type) override;
  std::optional<Blob> get(std::string_view name) override;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace gd::media
