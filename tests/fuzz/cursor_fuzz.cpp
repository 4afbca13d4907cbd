// Fuzzes the cursor codec (core/page.hpp): arbitrary text as a cursor under every schema, and
// arbitrary bytes as the fields below the tag (which a forged cursor cannot reach, so they are
// fuzzed directly). Whatever decodes must encode and decode back to the same key, and a
// cursor made for one scope must not decode under another.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/page.hpp"

namespace {

using gd::CursorField;

constexpr CursorField kTimeId[] = {CursorField::kInt, CursorField::kUuid};
constexpr CursorField kNameId[] = {CursorField::kText, CursorField::kUuid};
constexpr CursorField kDistanceId[] = {CursorField::kNumber, CursorField::kUuid};
constexpr CursorField kEverything[] = {CursorField::kText, CursorField::kNumber, CursorField::kInt,
                                       CursorField::kText};
constexpr gd::CursorSchema kSchemas[] = {kTimeId, kNameId, kDistanceId, kEverything};

void check_round_trip(const gd::CursorCodec& codec, gd::CursorSchema schema,
                      const std::vector<gd::CursorValue>& key) {
  const auto again = gd::decode_cursor_fields(gd::encode_cursor_fields(schema, key), schema);
  if (!again || again.value() != key) std::abort();
  const auto cursor = codec.encode("GET /list\nuser\nshape", schema, key);
  const auto decoded = codec.decode(cursor, "GET /list\nuser\nshape", schema);
  if (!decoded || decoded.value() != key) std::abort();
  if (codec.decode(cursor, "GET /list\nuser\nother shape", schema)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const gd::CursorCodec codec({std::string(32, 'k'), std::string(40, 'o')});
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const auto schema : kSchemas) {
    if (codec.decode(input, "GET /list\nuser\nshape", schema)) std::abort();  // no forgery
    const auto fields = gd::decode_cursor_fields(input, schema);
    if (fields) check_round_trip(codec, schema, fields.value());
  }
  return 0;
}
