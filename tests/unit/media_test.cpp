// Uploads: magic-byte sniffing, the local blob store, and the libvips pipeline on images the
// tests make with libvips itself (EXIF GPS stripped, downscaling, orientation, truncated
// bodies, image bombs declared by hand-made headers).
#include <gtest/gtest.h>
#include <vips/vips.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "media/blob_store.hpp"
#include "media/image.hpp"
#include "media/image_format.hpp"
#include "media/media_service.hpp"

namespace {

namespace fs = std::filesystem;
using gd::media::EncodedImage;
using gd::media::ImageFormat;
using gd::media::ImageLimits;
using gd::media::LocalBlobStore;
using gd::media::MediaOptions;
using gd::media::MediaService;
using gd::media::reencode_image;
using gd::media::sniff_image;

// ---- helpers -----------------------------------------------------------------------------

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, Unref>;

ImagePtr take(int rc, VipsImage* out) {
  if (rc != 0) {
    ADD_FAILURE() << "libvips: " << vips_error_buffer();
    vips_error_clear();
    return nullptr;
  }
  return ImagePtr(out);
}

// Noise, so that the encoded file has real entropy-coded data to truncate.
ImagePtr noise(int width, int height, int bands = 3) {
  gd::media::init_image_library();
  VipsImage* t = nullptr;
  auto g = take(vips_gaussnoise(&t, width, height, "mean", 128.0, "sigma", 40.0, nullptr), t);
  std::vector<ImagePtr> parts;
  std::vector<VipsImage*> raw;
  for (int i = 0; i < bands; ++i) raw.push_back(g.get());
  auto joined = take(vips_bandjoin(raw.data(), &t, bands, nullptr), t);
  return take(vips_cast(joined.get(), &t, VIPS_FORMAT_UCHAR, nullptr), t);
}

// Flat grey: cheap to encode, for tests about sizes rather than contents.
ImagePtr flat(int width, int height, int bands = 3) {
  gd::media::init_image_library();
  VipsImage* t = nullptr;
  auto black = take(vips_black(&t, width, height, "bands", bands, nullptr), t);
  auto grey = take(vips_linear1(black.get(), &t, 1.0, 100.0, nullptr), t);
  return take(vips_cast(grey.get(), &t, VIPS_FORMAT_UCHAR, nullptr), t);
}

std::string save(VipsImage* image, ImageFormat format) {
  void* buf = nullptr;
  size_t len = 0;
  int rc = -1;
  if (format == ImageFormat::kJpeg) rc = vips_jpegsave_buffer(image, &buf, &len, nullptr);
  if (format == ImageFormat::kPng) rc = vips_pngsave_buffer(image, &buf, &len, nullptr);
  if (format == ImageFormat::kWebp) rc = vips_webpsave_buffer(image, &buf, &len, nullptr);
  EXPECT_EQ(rc, 0) << vips_error_buffer();
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

ImagePtr load(const std::string& bytes) {
  VipsImage* out = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  if (!out) ADD_FAILURE() << "libvips: " << vips_error_buffer();
  vips_error_clear();
  return ImagePtr(out);
}

void put_u16le(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>(v >> 8));
}
void put_u32le(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u32be(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void ifd_entry(std::string& s, uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
  put_u16le(s, tag);
  put_u16le(s, type);
  put_u32le(s, count);
  put_u32le(s, value);
}

// An EXIF block ("Exif\0\0" + little-endian TIFF) whose IFD0 points at a GPS IFD holding
// 52°31'12.34"N 13°24'0"E.
std::string exif_with_gps() {
  std::string t = "II*";
  t.push_back('\0');
  put_u32le(t, 8);
  put_u16le(t, 1);                 // IFD0: one entry
  ifd_entry(t, 0x8825, 4, 1, 26);  // GPSInfo -> offset 26
  put_u32le(t, 0);                 // no IFD1
  put_u16le(t, 5);                 // GPS IFD at 26: five entries, data at 26 + 2 + 60 + 4 = 92
  ifd_entry(t, 0x0000, 1, 4, 0x00000202);  // GPSVersionID 2.2.0.0
  ifd_entry(t, 0x0001, 2, 2, 'N');         // GPSLatitudeRef "N"
  ifd_entry(t, 0x0002, 5, 3, 92);          // GPSLatitude
  ifd_entry(t, 0x0003, 2, 2, 'E');         // GPSLongitudeRef "E"
  ifd_entry(t, 0x0004, 5, 3, 116);         // GPSLongitude
  put_u32le(t, 0);
  for (uint32_t v : {52u, 1u, 31u, 1u, 1234u, 100u, 13u, 1u, 24u, 1u, 0u, 1u}) put_u32le(t, v);
  return std::string("Exif\0\0", 6) + t;
}

uint32_t crc32(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

std::string png_chunk(std::string_view type, std::string_view data) {
  std::string c;
  put_u32be(c, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type) + std::string(data);
  c += body;
  put_u32be(c, crc32(body));
  return c;
}

// A PNG that declares width x height (8-bit RGB) and carries no pixel data at all, or, with
// `idat`, an IDAT chunk of a few deflated bytes: enough for libpng to read the header.
std::string png_header_only(uint32_t width, uint32_t height, bool idat = false) {
  std::string ihdr;
  put_u32be(ihdr, width);
  put_u32be(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  // zlib stream of 16 zero bytes (stored block), so the chunk is well-formed.
  const std::string deflated = std::string("\x78\x01\x01\x10\x00\xEF\xFF", 7) +
                               std::string(16, '\0') + std::string("\x00\x10\x00\x01", 4);
  return std::string("\x89PNG\r\n\x1A\n", 8) + png_chunk("IHDR", ihdr) +
         (idat ? png_chunk("IDAT", deflated) : "") + png_chunk("IEND", "");
}

// Rewrites the frame header (SOF0..SOF2) of a JPEG to declare width x height.
std::string jpeg_declaring(std::string jpeg, uint16_t width, uint16_t height) {
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i) {
    const auto m = static_cast<unsigned char>(jpeg[i + 1]);
    if (static_cast<unsigned char>(jpeg[i]) == 0xFF && m >= 0xC0 && m <= 0xC2) {
      jpeg[i + 5] = static_cast<char>(height >> 8);
      jpeg[i + 6] = static_cast<char>(height & 0xFF);
      jpeg[i + 7] = static_cast<char>(width >> 8);
      jpeg[i + 8] = static_cast<char>(width & 0xFF);
      return jpeg;
    }
  }
  ADD_FAILURE() << "no SOF marker";
  return jpeg;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("gooddeeds-media-" + gd::uuid_v4());
  ~TempDir() { fs::remove_all(path); }
  std::size_t entries() const {
    if (!fs::exists(path)) return 0;
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

// use_future needs a default-constructible result, which Result<T> is not: wrap it.
gd::Task<std::optional<gd::Result<std::string>>> wrap(gd::Task<gd::Result<std::string>> task) {
  co_return co_await std::move(task);
}

gd::Result<std::string> run_upload(MediaService& svc, std::string bytes,
                                   std::optional<ImageFormat> declared) {
  boost::asio::io_context ioc;
  auto f = boost::asio::co_spawn(ioc, wrap(svc.upload(std::move(bytes), declared)),
                                 boost::asio::use_future);
  ioc.run();
  return std::move(*f.get());
}

// ---- sniffing and Content-Type -----------------------------------------------------------

TEST(MediaSniff, RecognisesTheThreeFormatsByTheirBytes) {
  EXPECT_EQ(sniff_image(std::string("\xFF\xD8\xFF\xE0", 4)), ImageFormat::kJpeg);
  EXPECT_EQ(sniff_image(std::string("\x89PNG\r\n\x1A\n\0\0", 10)), ImageFormat::kPng);
  EXPECT_EQ(sniff_image(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), ImageFormat::kWebp);
}

TEST(MediaSniff, RefusesEverythingElse) {
  EXPECT_EQ(sniff_image(""), std::nullopt);
  EXPECT_EQ(sniff_image("\xFF\xD8"), std::nullopt);                                 // too short
  EXPECT_EQ(sniff_image("GIF89a......"), std::nullopt);                             // GIF
  EXPECT_EQ(sniff_image(std::string("RIFF\x10\0\0\0WAVEfmt ", 16)), std::nullopt);  // WAV
  EXPECT_EQ(sniff_image(std::string("\x89PNG\r\n\x1A", 7)), std::nullopt);          // cut signature
  EXPECT_EQ(sniff_image("<svg xmlns='http://www.w3.org/2000/svg'/>"), std::nullopt);
  EXPECT_EQ(sniff_image("%PDF-1.7"), std::nullopt);
}

TEST(MediaSniff, ContentTypeHeader) {
  using gd::media::parse_upload_content_type;
  EXPECT_EQ(parse_upload_content_type("image/jpeg")->format, ImageFormat::kJpeg);
  EXPECT_EQ(parse_upload_content_type("Image/PNG; charset=x")->format, ImageFormat::kPng);
  EXPECT_EQ(parse_upload_content_type(" image/webp ")->format, ImageFormat::kWebp);
  ASSERT_TRUE(parse_upload_content_type("application/octet-stream").has_value());
  EXPECT_EQ(parse_upload_content_type("application/octet-stream")->format, std::nullopt);
  EXPECT_FALSE(parse_upload_content_type("text/plain"));
  EXPECT_FALSE(parse_upload_content_type("image/gif"));
  EXPECT_FALSE(parse_upload_content_type("image/svg+xml"));
  EXPECT_FALSE(parse_upload_content_type("image/jpg"));
  EXPECT_FALSE(parse_upload_content_type(""));
}

// ---- blob store --------------------------------------------------------------------------

TEST(MediaBlobStore, NamesAreUuidDotExtensionAndNothingElse) {
  using gd::media::valid_media_name;
  const std::string id = gd::uuid_v4();
  EXPECT_TRUE(valid_media_name(id + ".jpg"));
  EXPECT_TRUE(valid_media_name(id + ".png"));
  EXPECT_TRUE(valid_media_name(id + ".webp"));
  EXPECT_FALSE(valid_media_name(id + ".gif"));
  EXPECT_FALSE(valid_media_name(id + ".JPG"));
  EXPECT_FALSE(valid_media_name(id + ".jpg/"));
  EXPECT_FALSE(valid_media_name(id + ".jpg.png"));
  EXPECT_FALSE(valid_media_name(id));
  EXPECT_FALSE(valid_media_name(""));
  EXPECT_FALSE(valid_media_name("../" + id + ".jpg"));
  EXPECT_FALSE(valid_media_name("../../etc/passwd"));
  EXPECT_FALSE(valid_media_name("/etc/passwd"));
  EXPECT_FALSE(valid_media_name(std::string(id.size() - 2, '.') + "/x.jpg"));
  std::string upper = id;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(valid_media_name(upper + ".jpg"));
  EXPECT_FALSE(valid_media_name(id + std::string(".jpg\0", 5)));
}

TEST(MediaBlobStore, PutThenGetReturnsBytesAndContentType) {
  TempDir dir;
  LocalBlobStore store(dir.path);
  const std::string name = gd::uuid_v4() + ".png";
  const std::string bytes("\x89PNG\0binary\xFF", 12);
  store.put(name, bytes, "image/png");
  auto blob = store.get(name);
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(blob->bytes, bytes);
  EXPECT_EQ(blob->content_type, "image/png");
  EXPECT_EQ(dir.entries(), 1u) << "no temporary file is left behind";
  EXPECT_TRUE(fs::exists(dir.path / name));
}

TEST(MediaBlobStore, UnknownAndMalformedNamesAreNotFound) {
  TempDir dir;
  LocalBlobStore store(dir.path);
  EXPECT_EQ(store.get(gd::uuid_v4() + ".jpg"), std::nullopt);
  std::ofstream(dir.path / "secret.txt") << "secret";
  EXPECT_EQ(store.get("secret.txt"), std::nullopt);
  EXPECT_EQ(store.get("../secret.txt"), std::nullopt);
  EXPECT_EQ(store.get(dir.path.string() + "/secret.txt"), std::nullopt);
}

TEST(MediaBlobStore, PutRefusesBadNamesAndMismatchedTypes) {
  TempDir dir;
  LocalBlobStore store(dir.path);
  EXPECT_THROW(store.put("../escape.jpg", "x", "image/jpeg"), std::invalid_argument);
  EXPECT_THROW(store.put(gd::uuid_v4() + ".jpg", "x", "image/png"), std::invalid_argument);
  EXPECT_EQ(dir.entries(), 0u);
}

// ---- the image pipeline ------------------------------------------------------------------

TEST(MediaImage, JpegExifGpsIsStripped) {
  auto img = noise(64, 48);
  const std::string exif = exif_with_gps();
  vips_image_set_blob_copy(img.get(), VIPS_META_EXIF_NAME, exif.data(), exif.size());
  const std::string before = save(img.get(), ImageFormat::kJpeg);
  // Proven present before: libvips reads the GPS IFD back out of the file (IFD 3 = GPS).
  auto reloaded = load(before);
  ASSERT_TRUE(reloaded);
  EXPECT_TRUE(vips_image_get_typeof(reloaded.get(), "exif-ifd3-GPSLatitudeRef"));
  EXPECT_TRUE(contains(before, std::string("Exif\0\0", 6)));

  auto out = reencode_image(before, ImageFormat::kJpeg, ImageLimits{});
  ASSERT_TRUE(out.ok()) << out.error().code;
  EXPECT_EQ(sniff_image(out->bytes), ImageFormat::kJpeg);
  EXPECT_FALSE(contains(out->bytes, std::string("Exif\0\0", 6)));
  EXPECT_FALSE(contains(out->bytes, "http://ns.adobe.com/xap"));  // no XMP either
  auto after = load(out->bytes);
  ASSERT_TRUE(after);
  EXPECT_FALSE(vips_image_get_typeof(after.get(), VIPS_META_EXIF_NAME));
  EXPECT_FALSE(vips_image_get_typeof(after.get(), "exif-ifd3-GPSLatitudeRef"));
  EXPECT_EQ(out->width_px, 64);
  EXPECT_EQ(out->height_px, 48);
}

TEST(MediaImage, WideImageIsDownscaledTo2048KeepingAspectAndFormat) {
  auto img = flat(3000, 1000);
  for (auto format : {ImageFormat::kJpeg, ImageFormat::kPng, ImageFormat::kWebp}) {
    auto out = reencode_image(save(img.get(), format), format, ImageLimits{});
    ASSERT_TRUE(out.ok()) << out.error().code;
    EXPECT_EQ(sniff_image(out->bytes), format);
    EXPECT_EQ(out->width_px, 2048);
    EXPECT_EQ(out->height_px, 683);
    auto back = load(out->bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(vips_image_get_width(back.get()), 2048);
    EXPECT_EQ(vips_image_get_height(back.get()), 683);
  }
}

TEST(MediaImage, SmallImageKeepsItsSize) {
  auto img = noise(300, 200);
  auto out = reencode_image(save(img.get(), ImageFormat::kPng), ImageFormat::kPng, ImageLimits{});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->width_px, 300);
  EXPECT_EQ(out->height_px, 200);
}

TEST(MediaImage, TransparentPngKeepsItsAlphaWhenDownscaled) {
  auto img = flat(2500, 500, 4);
  auto out = reencode_image(save(img.get(), ImageFormat::kPng), ImageFormat::kPng, ImageLimits{});
  ASSERT_TRUE(out.ok()) << out.error().code;
  auto back = load(out->bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(vips_image_get_bands(back.get()), 4);
  EXPECT_EQ(vips_image_get_format(back.get()), VIPS_FORMAT_UCHAR);
  EXPECT_EQ(out->width_px, 2048);
  EXPECT_EQ(out->height_px, 410);
}

TEST(MediaImage, ExifOrientationIsAppliedBeforeItIsStripped) {
  auto img = noise(40, 20);
  vips_image_set_int(img.get(), VIPS_META_ORIENTATION, 6);  // "rotate 90° clockwise to view"
  auto out = reencode_image(save(img.get(), ImageFormat::kJpeg), ImageFormat::kJpeg, ImageLimits{});
  ASSERT_TRUE(out.ok()) << out.error().code;
  EXPECT_EQ(out->width_px, 20);
  EXPECT_EQ(out->height_px, 40);
  auto back = load(out->bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(vips_image_get_width(back.get()), 20);
  EXPECT_FALSE(vips_image_get_typeof(back.get(), VIPS_META_EXIF_NAME));
}

TEST(MediaImage, TruncatedImagesAreRefused) {
  auto img = noise(400, 300);
  for (auto format : {ImageFormat::kJpeg, ImageFormat::kPng, ImageFormat::kWebp}) {
    const std::string whole = save(img.get(), format);
    auto out = reencode_image(whole.substr(0, whole.size() / 2), format, ImageLimits{});
    ASSERT_FALSE(out.ok()) << "format " << static_cast<int>(format);
    EXPECT_EQ(out.error().code, gd::ErrorCode::kInvalidImage);
  }
}

TEST(MediaImage, BytesOfAnotherFormatAreRefused) {
  auto img = noise(16, 16);
  auto out = reencode_image(save(img.get(), ImageFormat::kPng), ImageFormat::kJpeg, ImageLimits{});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, gd::ErrorCode::kInvalidImage);
  auto garbage = reencode_image(std::string("\xFF\xD8\xFF") + std::string(1000, 'x'),
                                ImageFormat::kJpeg, ImageLimits{});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, gd::ErrorCode::kInvalidImage);
}

TEST(MediaImage, PngBombIsRefusedFromItsHeader) {
  // libpng needs an IDAT to read a header; the IHDR check refuses the bomb either way.
  for (bool idat : {false, true}) {
    const auto started = std::chrono::steady_clock::now();
    auto out =
        reencode_image(png_header_only(50'000, 50'000, idat), ImageFormat::kPng, ImageLimits{});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, gd::ErrorCode::kImageTooLarge) << "idat " << idat;
    EXPECT_LT(elapsed, std::chrono::milliseconds(500));
  }
}

TEST(MediaImage, JpegBombIsRefusedFromItsHeader) {
  auto img = noise(64, 64);
  const auto started = std::chrono::steady_clock::now();
  auto out = reencode_image(jpeg_declaring(save(img.get(), ImageFormat::kJpeg), 50'000, 50'000),
                            ImageFormat::kJpeg, ImageLimits{});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, gd::ErrorCode::kImageTooLarge);
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST(MediaImage, LimitsApplyPerSideAndToThePixelCount) {
  auto side = reencode_image(png_header_only(10'001, 1), ImageFormat::kPng, ImageLimits{});
  ASSERT_FALSE(side.ok());
  EXPECT_EQ(side.error().code, gd::ErrorCode::kImageTooLarge);
  // 8000 x 6000: each side allowed, 48 megapixels are not.
  auto area = reencode_image(png_header_only(8'000, 6'000), ImageFormat::kPng, ImageLimits{});
  ASSERT_FALSE(area.ok());
  EXPECT_EQ(area.error().code, gd::ErrorCode::kImageTooLarge);
  // Within the limits, the header-only PNG gets as far as decoding and is then invalid.
  auto small = reencode_image(png_header_only(100, 100), ImageFormat::kPng, ImageLimits{});
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().code, gd::ErrorCode::kInvalidImage);
}

// ---- the service -------------------------------------------------------------------------

TEST(MediaService, StoresTheReencodedImageUnderAFreshName) {
  TempDir dir;
  LocalBlobStore store(dir.path);
  MediaService svc(store, MediaOptions{});
  auto img = noise(64, 48);
  const std::string exif = exif_with_gps();
  vips_image_set_blob_copy(img.get(), VIPS_META_EXIF_NAME, exif.data(), exif.size());
  auto name = run_upload(svc, save(img.get(), ImageFormat::kJpeg), std::nullopt);
  ASSERT_TRUE(name.ok()) << name.error().code;
  EXPECT_TRUE(gd::media::valid_media_name(*name));
  EXPECT_TRUE(name->ends_with(".jpg"));
  auto blob = store.get(*name);
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(blob->content_type, "image/jpeg");
  EXPECT_FALSE(contains(blob->bytes, std::string("Exif\0\0", 6)));
  EXPECT_EQ(dir.entries(), 1u);
  EXPECT_EQ(svc.pending(), 0u);
}

TEST(MediaService, RefusalsStoreNothing) {
  TempDir dir;
  LocalBlobStore store(dir.path);
  MediaService svc(store, MediaOptions{});
  auto img = noise(200, 100);
  const std::string jpeg = save(img.get(), ImageFormat::kJpeg);
  struct Case {
    std::string bytes;
    std::optional<ImageFormat> declared;
    std::string code;
  };
  const std::vector<Case> cases = {
      {jpeg, ImageFormat::kPng, "INVALID_IMAGE"},       // header and bytes disagree
      {"hello, world", std::nullopt, "INVALID_IMAGE"},  // no image at all
      {"", ImageFormat::kJpeg, "INVALID_IMAGE"},        // empty body
      {jpeg.substr(0, jpeg.size() / 2), std::nullopt, "INVALID_IMAGE"},  // truncated
      {png_header_only(50'000, 50'000), ImageFormat::kPng, "IMAGE_TOO_LARGE"},
  };
  for (const auto& c : cases) {
    auto r = run_upload(svc, c.bytes, c.declared);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(gd::name(r.error().code), c.code);
  }
  EXPECT_EQ(dir.entries(), 0u);
  EXPECT_EQ(svc.pending(), 0u);
}

TEST(MediaService, BeyondMaxPendingAnswersServiceUnavailable) {
  TempDir dir;
  LocalBlobStore store(dir.path);
  MediaOptions options;
  options.max_pending = 0;
  MediaService svc(store, options);
  auto img = noise(16, 16);
  auto r = run_upload(svc, save(img.get(), ImageFormat::kPng), ImageFormat::kPng);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, gd::ErrorCode::kServiceUnavailable);
  EXPECT_EQ(r.error().retry_after_s, 1);
  EXPECT_EQ(dir.entries(), 0u);
}

}  // namespace
