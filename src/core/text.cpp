// UTF-8 validation and the refused-character rules of text fields.
#include "core/text.hpp"

#include <cstdint>

namespace gd {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
namespace {

// Decodes the character at s[i] and advances i; nullopt for anything that is not well-formed
// UTF-8 (Unicode 15, table 3-7).
std::optional<char32_t> next_char(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t n = 0;
  char32_t c = 0;
  std::uint8_t lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 1;
    c = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 2;
    c = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 3;
    c = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return std::nullopt;
  }
  if (s.size() - i <= n) return std::nullopt;
  for (std::size_t k = 1; k <= n; ++k) {
    const std::uint8_t b = byte(i + k);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return std::nullopt;
    c = (c << 6) | (b & 0x3F);
  }
  i += n + 1;
  return c;
}

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);  // C0, DEL, C1
}

// Embeddings and overrides (U+202A..U+202E) and isolates (U+2066..U+2069): they reorder the
// text around them, so a name or a title could show something other than what it holds.
bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();)
    if (!next_char(s, i)) return false;
  return true;
}

std::optional<char32_t> first_refused_char(std::string_view utf8, TextKind kind) {
  for (std::size_t i = 0; i < utf8.size();) {
    const auto c = next_char(utf8, i);
    if (!c) return U'\uFFFD';
    if (*c == 0) return c;
    if (kind == TextKind::kOpaque) continue;
    if (is_control(*c)) {
      const bool line_break = *c == '\t' || *c == '\n' || *c == '\r';
      if (!(kind == TextKind::kMultiline && line_break)) return c;
    } else if (kind == TextKind::kLine && is_bidi_control(*c)) {
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace gd
