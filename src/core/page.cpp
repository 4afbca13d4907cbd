// Cursors are base64url("v1" NUL part NUL part ...): opaque to clients, cheap to check.
#include "core/page.hpp"

#include <sodium.h>

#include <charconv>

namespace gd {

std::string encode_cursor(const std::vector<std::string>& parts) {
  std::string raw = "v1";
  for (const auto& p : parts) {
    raw.push_back('\0');
    raw += p;
  }
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::optional<std::vector<std::string>> decode_cursor(std::string_view text, std::size_t parts) {
  if (text.size() > 1024) return std::nullopt;
  std::string raw(text.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  raw.resize(len);
  std::vector<std::string> out;
  std::size_t pos = raw.find('\0');
  if (raw.substr(0, pos) != "v1") return std::nullopt;
  while (pos != std::string::npos) {
    const auto next = raw.find('\0', pos + 1);
    out.push_back(
        raw.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1));
    pos = next;
  }
  if (out.size() != parts) return std::nullopt;
  return out;
}

}  // namespace gd
