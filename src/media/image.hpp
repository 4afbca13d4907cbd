// The image pipeline (libvips): read the header, refuse image bombs before any pixel is
// decoded, downscale, drop every piece of metadata (EXIF with GPS, XMP, IPTC, ICC), and
// re-encode in the same format. Blocking and CPU-heavy: callers run it off the I/O threads.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "media/image_format.hpp"

namespace gd::media {

struct ImageLimits {
  int max_input_side_px = 10'000;              // width or height declared by the header
  std::int64_t max_input_pixels = 40'000'000;  // width x height declared by the header
  int max_output_side_px = 2048;               // the longer side after downscaling
};

struct EncodedImage {
  std::string bytes;
  ImageFormat format;
  int width_px = 0;
  int height_px = 0;
};

// Starts libvips once per process (later calls do nothing): one thread per operation, no
// operation cache, untrusted loaders (ImageMagick, PDF, ...) blocked. Throws if it cannot.
void init_image_library();

// Re-encodes `bytes`, which must be an image of `format`. Errors: INVALID_IMAGE (not
// decodable as `format`, truncated, corrupt), IMAGE_TOO_LARGE (header beyond the limits).
// Rotates by the EXIF orientation before stripping it, so photos stay upright.
Result<EncodedImage> reencode_image(std::string_view bytes, ImageFormat format,
                                    const ImageLimits& limits);

}  // namespace gd::media
