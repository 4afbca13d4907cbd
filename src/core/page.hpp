// Cursor pagination shared by every list: a page request (`limit` and the decoded key of the
// last row seen) and the one cursor codec. Services and stores see PageRequest;
// http/page.hpp reads it off a URL.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace gd {

// The type of one field of a list's cursor key, checked when a cursor is decoded.
enum class CursorField : std::uint8_t {
  kInt,     // a 64-bit integer, such as a time in ms
  kNumber,  // a finite double, such as a distance in metres
  kText,    // valid UTF-8 without NUL, at most kMaxCursorTextBytes, such as a name
  kUuid,    // an id
};
using CursorSchema = std::span<const CursorField>;
// kInt holds an int64_t, kNumber a double, kText and kUuid a string.
using CursorValue = std::variant<std::int64_t, double, std::string>;

inline constexpr std::size_t kMaxCursorTextBytes = 512;
inline constexpr std::size_t kMaxCursorChars = 1024;

struct PageRequest {
  int limit = 20;
  std::vector<CursorValue> after;  // the last row's key, typed by the list's schema; empty for
                                   // the first page

  std::int64_t int_after(std::size_t i) const { return std::get<std::int64_t>(after.at(i)); }
  double number_after(std::size_t i) const { return std::get<double>(after.at(i)); }
  const std::string& text_after(std::size_t i) const { return std::get<std::string>(after.at(i)); }
};

// 400 INVALID_CURSOR, naming the field `cursor`.
Error invalid_cursor(std::string reason);

// Cursors are base64url(version, fields, HMAC-SHA-256 tag). The tag covers the fields, their
// schema and the list's scope (its route, caller and the query parameters that shape it), which is
// not in the cursor: a cursor is good only for the list that gave it out, and nothing a client
// forged or garbled reaches a query.
class CursorCodec {
 public:
  // One key per secret (the token signing keys), derived so that a cursor's tag is never a
  // token's signature: the first key tags, every key verifies. Processes that share their
  // keys accept each other's cursors, also while keys rotate.
  explicit CursorCodec(const std::vector<std::string>& secrets);

  // `key` must match `schema` field by field (a programmer error otherwise).
  std::string encode(std::string_view scope, CursorSchema schema,
                     const std::vector<CursorValue>& key) const;
  // The key of a cursor made by encode with the same scope and schema; INVALID_CURSOR for
  // anything else.
  Result<std::vector<CursorValue>> decode(std::string_view cursor, std::string_view scope,
                                          CursorSchema schema) const;

 private:
  using Key = std::array<unsigned char, 32>;
  using Tag = std::array<unsigned char, 32>;
  static Tag tag(const Key& key, std::string_view scope, CursorSchema schema,
                 std::string_view body);
  std::vector<Key> keys_;
};

// The fields part of a cursor, before the tag: each field as a 2-byte big-endian length and
// its text form. Exposed for the tests and the fuzz target; decode uses it after the tag.
std::string encode_cursor_fields(CursorSchema schema, const std::vector<CursorValue>& key);
Result<std::vector<CursorValue>> decode_cursor_fields(std::string_view fields, CursorSchema schema);

}  // namespace gd
