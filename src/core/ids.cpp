// UUID generation from libsodium's CSPRNG.
#include "core/ids.hpp"

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

namespace gd {
namespace {

std::string format_uuid(const std::array<unsigned char, 16>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::string uuid_v4() {
  std::array<unsigned char, 16> b{};
  randombytes_buf(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return format_uuid(b);
}

std::string fast_id() {
  thread_local std::mt19937_64 gen = [] {
    std::uint64_t seed = 0;
    randombytes_buf(&seed, sizeof seed);
    return std::mt19937_64(seed);
  }();
  std::array<unsigned char, 16> b{};
  const std::uint64_t hi = gen(), lo = gen();
  for (int i = 0; i < 8; ++i) {
    b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(hi >> (8 * i));
    b[static_cast<std::size_t>(i + 8)] = static_cast<unsigned char>(lo >> (8 * i));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return format_uuid(b);
}

std::string uuid_v7() {
  std::array<unsigned char, 16> b{};
  randombytes_buf(b.data(), b.size());
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x70);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return format_uuid(b);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] >= '1' && s[14] <= '8';
}

}  // namespace gd
