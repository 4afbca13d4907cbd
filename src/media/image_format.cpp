// Magic numbers and the names that go with each format.
#include "media/image_format.hpp"

#include <cctype>
#include <string>

#include "core/text.hpp"

namespace gd::media {

std::optional<ImageFormat> sniff_image(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return ImageFormat::kJpeg;
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8))
    return ImageFormat::kPng;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP")
    return ImageFormat::kWebp;
  return std::nullopt;
}

std::string_view content_type_of(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "image/jpeg";
    case ImageFormat::kPng:
      return "image/png";
    case ImageFormat::kWebp:
      return "image/webp";
  }
  return "application/octet-stream";
}

std::string_view extension_of(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "jpg";
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kWebp:
      return "webp";
  }
  return "bin";
}

std::optional<ImageFormat> format_of_extension(std::string_view ext) {
  if (ext == "jpg") return ImageFormat::kJpeg;
  if (ext == "png") return ImageFormat::kPng;
  if (ext == "webp") return ImageFormat::kWebp;
  return std::nullopt;
}

std::optional<DeclaredType> parse_upload_content_type(std::string_view header) {
  const auto media_type = trim_ows(header.substr(0, header.find(';')));
  std::string lower(media_type);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "image/jpeg") return DeclaredType{ImageFormat::kJpeg};
  if (lower == "image/png") return DeclaredType{ImageFormat::kPng};
  if (lower == "image/webp") return DeclaredType{ImageFormat::kWebp};
  if (lower == "application/octet-stream") return DeclaredType{std::nullopt};
  return std::nullopt;
}

}  // namespace gd::media
