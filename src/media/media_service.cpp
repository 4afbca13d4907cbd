// Image work runs on its own small thread pool at a lower CPU priority, behind a bounded
// count of pending jobs, so a burst of uploads queues or gets 503 instead of starving the
// I/O threads or holding hundreds of 10 MiB bodies in memory.
#include "media/media_service.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <latch>

#include "core/ids.hpp"
#include "core/offload.hpp"
#include "media/image.hpp"

namespace gd::media {
namespace {

Error busy() {
  Error e =
      make_error(ErrorCode::kServiceUnavailable, "Too many uploads at once; try again shortly.");
  e.retry_after_s = 1;
  return e;
}

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidImage, std::move(detail));
}

}  // namespace

MediaService::MediaService(BlobStore& store, MediaOptions options)
    : store_(store), options_(options), pool_(options.threads, options.max_pending) {
  init_image_library();
}

Task<Result<std::string>> MediaService::upload(std::string bytes,
                                               std::optional<ImageFormat> declared) {
  const auto actual = sniff_image(bytes);
  if (!actual) co_return invalid("The body is not a JPEG, PNG or WebP image.");
  if (declared && *declared != *actual)
    co_return invalid("The Content-Type says " + std::string(content_type_of(*declared)) +
                      " but the body is " + std::string(content_type_of(*actual)) + ".");
  const ImageLimits limits{options_.max_input_side_px, options_.max_pixels, options_.max_side_px};
  const ImageFormat format = *actual;
  // Named, not a temporary in the co_await expression: see the note in store/sqlite_db.cpp.
  auto run = [limits, format, body = std::move(bytes)]() {
    return reencode_image(body, format, limits);
  };
  auto done = co_await pool_.run(std::move(run));
  if (!done) co_return busy();
  if (!*done) co_return std::move(*done).error();
  // Stored before the name is handed out: a 201 names a blob every node can read.
  std::string name = uuid_v4() + "." + std::string(extension_of(format));
  co_await store_.save(name, std::move((*done)->bytes), std::string(content_type_of(format)));
  co_return name;
}

Task<std::optional<Blob>> MediaService::get(std::string name) {
  co_return co_await store_.load(std::move(name));
}

Task<bool> MediaService::exists(std::string name) {
  co_return co_await store_.exists(std::move(name));
}

}  // namespace gd::media
