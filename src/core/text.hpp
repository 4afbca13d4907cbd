// Checks on text from clients: well-formed UTF-8, and the characters a text field refuses
// (control characters everywhere, bidi overrides and isolates in one-line text).
#pragma once
#include <optional>
#include <string_view>

namespace gd {

// `s` without leading and trailing spaces and tabs (RFC 9110's optional whitespace, around
// header values and list elements).
std::string_view trim_ows(std::string_view s);

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence.
bool valid_utf8(std::string_view s);

enum class TextKind {
  kLine,       // names, titles: no control characters, no bidi overrides or isolates
  kMultiline,  // descriptions, bios, reasons: tab and line breaks (LF, CR) allowed too
  kOpaque,     // passwords, tokens: never displayed, so only NUL is refused
};

// The first character `utf8` (valid UTF-8) may not hold as text of this kind, or nullopt.
std::optional<char32_t> first_refused_char(std::string_view utf8, TextKind kind);

}  // namespace gd
