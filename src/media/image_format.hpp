// The three image formats uploads accept, recognised from their first bytes (magic numbers),
// never from a file name or a header alone.
#pragma once
#include <optional>
#include <string_view>

namespace gd::media {

enum class ImageFormat { kJpeg, kPng, kWebp };

// JPEG: FF D8 FF; PNG: the 8-byte signature; WebP: "RIFF" <size> "WEBP".
std::optional<ImageFormat> sniff_image(std::string_view bytes);

std::string_view content_type_of(ImageFormat format);  // "image/jpeg", ...
std::string_view extension_of(ImageFormat format);     // "jpg", "png", "webp"
std::optional<ImageFormat> format_of_extension(std::string_view ext);

// What a Content-Type header says about an upload: a format, "any" (application/
// octet-stream: trust the bytes), or unsupported (nullopt). Parameters after ';' and case
// are ignored.
struct DeclaredType {
  std::optional<ImageFormat> format;  // empty: application/octet-stream
};
std::optional<DeclaredType> parse_upload_content_type(std::string_view header);

}  // namespace gd::media
