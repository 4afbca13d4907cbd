// libvips behind a small function. Every intermediate image is owned by an ImagePtr; the
// loaders read only the header until pixels are pulled by the save at the end (sequential
// access), so the size check happens before anything large is allocated.
#include "media/image.hpp"

#include <spdlog/spdlog.h>
#include <vips/vips.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace gd::media {
namespace {

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, Unref>;

// libvips keeps one error buffer per process; its text is for the log, never the client.
std::string take_vips_error() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

Error invalid_image(std::string_view why) {
  spdlog::debug("image refused: {}", why);
  return make_error(ErrorCode::kInvalidImage,
                    "The body is not a complete, valid JPEG, PNG or WebP image.");
}

void log_vips_message(const char* domain, GLogLevelFlags, const char* message, gpointer) {
  spdlog::debug("{}: {}", domain ? domain : "vips", message ? message : "");
}

// Header only: no pixel is decoded until something downstream asks for it. A truncated or
// corrupt body then fails that request (fail_on=error) instead of being padded with grey.
Result<ImagePtr> load_header(std::string_view bytes, ImageFormat format) {
  void* buf = const_cast<char*>(bytes.data());  // libvips reads, never writes, the buffer
  VipsImage* out = nullptr;
  int rc = -1;
  switch (format) {
    case ImageFormat::kJpeg:
      rc = vips_jpegload_buffer(buf, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case ImageFormat::kPng:
      rc = vips_pngload_buffer(buf, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                               VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case ImageFormat::kWebp:
      rc = vips_webpload_buffer(buf, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
      break;
  }
  if (rc != 0 || !out) return invalid_image(take_vips_error());
  return ImagePtr(out);
}

Status check_limits(std::int64_t w, std::int64_t h, const ImageLimits& limits) {
  if (w <= 0 || h <= 0) return invalid_image("no pixels");
  if (w > limits.max_input_side_px || h > limits.max_input_side_px ||
      w * h > limits.max_input_pixels) {
    return make_error(ErrorCode::kImageTooLarge,
                      "The image is " + std::to_string(w) + " x " + std::to_string(h) +
                          " pixels; at most " + std::to_string(limits.max_input_side_px) +
                          " on a side and " + std::to_string(limits.max_input_pixels) +
                          " pixels in all are accepted.");
  }
  return Ok{};
}

// A PNG states its size in the IHDR chunk, which must come first, at a fixed offset. Checking
// it here refuses a bomb even when libpng would first want to see more chunks than the
// attacker bothered to send.
Status check_png_ihdr(std::string_view bytes, const ImageLimits& limits) {
  if (bytes.size() < 24 || bytes.substr(12, 4) != "IHDR") return Ok{};  // libpng will refuse it
  const auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return static_cast<std::int64_t>(v);
  };
  return check_limits(be32(16), be32(20), limits);
}

// Converts to sRGB when the image carries an ICC profile, since stripping the profile would
// otherwise change its colours (a Display P3 photo, a CMYK JPEG). A profile lcms cannot use
// is ignored: the pixels are kept as they are.
ImagePtr to_srgb(ImagePtr in) {
  if (!vips_image_get_typeof(in.get(), VIPS_META_ICC_NAME)) return in;
  VipsImage* out = nullptr;
  if (vips_icc_transform(in.get(), &out, "srgb", "embedded", TRUE, nullptr) != 0) {
    spdlog::debug("ICC transform skipped: {}", take_vips_error());
    return in;
  }
  return ImagePtr(out);
}

// Shrinks so that the longer side is max_side_px (never enlarges). Transparent images are
// resized premultiplied, which keeps dark fringes off their edges.
Result<ImagePtr> downscale(ImagePtr in, int max_side_px) {
  const int w = vips_image_get_width(in.get()), h = vips_image_get_height(in.get());
  if (std::max(w, h) <= max_side_px) return in;
  const double scale = static_cast<double>(max_side_px) / std::max(w, h);
  const int target_w = std::max(1, static_cast<int>(std::lround(w * scale)));
  const int target_h = std::max(1, static_cast<int>(std::lround(h * scale)));
  const double hscale = static_cast<double>(target_w) / w,
               vscale = static_cast<double>(target_h) / h;
  const bool alpha = vips_image_hasalpha(in.get());
  const VipsBandFormat original = vips_image_get_format(in.get());
  VipsImage* t = nullptr;
  ImagePtr cur = std::move(in);
  if (alpha) {
    if (vips_premultiply(cur.get(), &t, nullptr) != 0) return invalid_image(take_vips_error());
    cur.reset(t);
  }
  if (vips_resize(cur.get(), &t, hscale, "vscale", vscale, nullptr) != 0)
    return invalid_image(take_vips_error());
  cur.reset(t);
  if (alpha) {
    if (vips_unpremultiply(cur.get(), &t, nullptr) != 0) return invalid_image(take_vips_error());
    cur.reset(t);
    if (vips_cast(cur.get(), &t, original, nullptr) != 0) return invalid_image(take_vips_error());
    cur.reset(t);
  }
  return cur;
}

// Applies the EXIF orientation to the pixels (the tag itself is about to be stripped).
// Rotation reads out of order, which a sequential loader cannot serve, so the (already
// downscaled, hence bounded) image is decoded into memory first.
Result<ImagePtr> upright(ImagePtr in) {
  int orientation = 1;
  if (vips_image_get_typeof(in.get(), VIPS_META_ORIENTATION) &&
      vips_image_get_int(in.get(), VIPS_META_ORIENTATION, &orientation) != 0)
    orientation = 1;
  if (orientation <= 1 || orientation > 8) return in;
  VipsImage* mem = vips_image_copy_memory(in.get());
  if (!mem) return invalid_image(take_vips_error());
  ImagePtr decoded(mem);
  VipsImage* out = nullptr;
  if (vips_autorot(decoded.get(), &out, nullptr) != 0) return invalid_image(take_vips_error());
  return ImagePtr(out);
}

// strip=TRUE drops EXIF (GPS included), XMP, IPTC and ICC. Decoding happens here, so a
// truncated or corrupt body fails here.
Result<std::string> save(VipsImage* image, ImageFormat format) {
  void* buf = nullptr;
  size_t len = 0;
  int rc = -1;
  switch (format) {
    case ImageFormat::kJpeg:
      rc = vips_jpegsave_buffer(image, &buf, &len, "strip", TRUE, "Q", 85, "optimize_coding", TRUE,
                                nullptr);
      break;
    case ImageFormat::kPng:
      rc = vips_pngsave_buffer(image, &buf, &len, "strip", TRUE, "compression", 6, nullptr);
      break;
    case ImageFormat::kWebp:
      rc = vips_webpsave_buffer(image, &buf, &len, "strip", TRUE, "Q", 80, nullptr);
      break;
  }
  std::unique_ptr<void, decltype(&g_free)> owned(buf, &g_free);
  if (rc != 0 || !buf || len == 0) return invalid_image(take_vips_error());
  return std::string(static_cast<const char*>(buf), len);
}

}  // namespace

void init_image_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("gooddeeds") != 0) throw std::runtime_error("libvips failed to initialise");
    vips_concurrency_set(1);  // parallelism comes from the media pool, one job per thread
    vips_cache_set_max(0);    // every upload is different: a cache would only hold memory
    vips_block_untrusted_set(TRUE);
    g_log_set_handler(
        "VIPS",
        static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
        log_vips_message, nullptr);
  });
}

Result<EncodedImage> reencode_image(std::string_view bytes, ImageFormat format,
                                    const ImageLimits& limits) {
  if (format == ImageFormat::kPng)
    if (auto st = check_png_ihdr(bytes, limits); !st) return std::move(st).error();
  auto loaded = load_header(bytes, format);
  if (!loaded) return std::move(loaded).error();
  if (auto st = check_limits(vips_image_get_width(loaded->get()),
                             vips_image_get_height(loaded->get()), limits);
      !st)
    return std::move(st).error();
  auto small = downscale(to_srgb(std::move(*loaded)), limits.max_output_side_px);
  if (!small) return std::move(small).error();
  auto turned = upright(std::move(*small));
  if (!turned) return std::move(turned).error();
  auto encoded = save(turned->get(), format);
  if (!encoded) return std::move(encoded).error();
  return EncodedImage{std::move(*encoded), format, vips_image_get_width(turned->get()),
                      vips_image_get_height(turned->get())};
}

}  // namespace gd::media
