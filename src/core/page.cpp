// The cursor codec: base64url(0x01 fields tag), tag = HMAC-SHA-256 over the list's scope and
// the fields. The tag is checked before any field is read, and the fields are checked against
// the list's schema before the key reaches a query.
#include "core/page.hpp"

#include <sodium.h>

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/ids.hpp"
#include "core/text.hpp"

namespace gd {
namespace {

constexpr char kVersion = '\x01';
constexpr std::string_view kKeyLabel = "gooddeeds cursor key v1";

std::string field_text(CursorField f, const CursorValue& v) {
  switch (f) {
    case CursorField::kInt:
    case CursorField::kNumber: {
      char buf[32];
      const auto [end, ec] = f == CursorField::kInt
                                 ? std::to_chars(buf, buf + sizeof buf, std::get<std::int64_t>(v))
                                 : std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
      assert(ec == std::errc());
      return std::string(buf, end);
    }
    case CursorField::kText:
    case CursorField::kUuid:
      return std::get<std::string>(v);
  }
  return {};
}

// The value of one field's text, or nullopt unless the text is exactly what field_text would
// have written for it (numbers in their one canonical form, no stray bytes).
std::optional<CursorValue> read_field(CursorField f, std::string_view text) {
  switch (f) {
    case CursorField::kInt: {
      std::int64_t n = 0;
      const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
      if (field_text(f, n) != text) return std::nullopt;
      return n;
    }
    case CursorField::kNumber: {
      double d = 0;
      const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(d))
        return std::nullopt;
      if (field_text(f, d) != text) return std::nullopt;
      return d;
    }
    case CursorField::kText:
      if (text.size() > kMaxCursorTextBytes || !valid_utf8(text) ||
          text.find('\0') != std::string_view::npos)
        return std::nullopt;
      return std::string(text);
    case CursorField::kUuid:
      if (!is_uuid(text)) return std::nullopt;
      return std::string(text);
  }
  return std::nullopt;
}

bool matches(CursorField f, const CursorValue& v) {
  switch (f) {
    case CursorField::kInt:
      return std::holds_alternative<std::int64_t>(v);
    case CursorField::kNumber:
      return std::holds_alternative<double>(v) && std::isfinite(std::get<double>(v));
    case CursorField::kText:
      return std::holds_alternative<std::string>(v) &&
             std::get<std::string>(v).size() <= kMaxCursorTextBytes;
    case CursorField::kUuid:
      return std::holds_alternative<std::string>(v) && is_uuid(std::get<std::string>(v));
  }
  return false;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Error invalid_cursor(std::string reason) {
  return Error{ErrorCode::kInvalidCursor,
               "The cursor was not given out by this list for this query; start again from "
               "the first page.",
               {{"cursor", std::move(reason)}}};
}

std::string encode_cursor_fields(CursorSchema schema, const std::vector<CursorValue>& key) {
  // Stays on in release builds: a key that does not fit its list is a bug in the handler.
  if (key.size() != schema.size()) std::abort();
  std::string out;
  for (std::size_t i = 0; i < schema.size(); ++i) {
    if (!matches(schema[i], key[i])) std::abort();
    const auto text = field_text(schema[i], key[i]);
    out.push_back(static_cast<char>(text.size() >> 8));
    out.push_back(static_cast<char>(text.size() & 0xFF));
    out += text;
  }
  return out;
}

Result<std::vector<CursorValue>> decode_cursor_fields(std::string_view fields,
                                                      CursorSchema schema) {
  std::vector<CursorValue> out;
  out.reserve(schema.size());
  std::size_t pos = 0;
  for (const auto f : schema) {
    if (fields.size() - pos < 2) return invalid_cursor("is truncated");
    const std::size_t n = (static_cast<std::size_t>(static_cast<unsigned char>(fields[pos])) << 8) |
                          static_cast<unsigned char>(fields[pos + 1]);
    pos += 2;
    if (fields.size() - pos < n) return invalid_cursor("is truncated");
    auto value = read_field(f, fields.substr(pos, n));
    if (!value) return invalid_cursor("has a malformed field");
    out.push_back(std::move(*value));
    pos += n;
  }
  if (pos != fields.size()) return invalid_cursor("has extra fields");
  return out;
}

CursorCodec::CursorCodec(const std::vector<std::string>& secrets) {
  assert(!secrets.empty());
  for (const auto& secret : secrets) {
    Key key;
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, bytes(secret), secret.size());
    crypto_auth_hmacsha256_update(&st, bytes(kKeyLabel), kKeyLabel.size());
    crypto_auth_hmacsha256_final(&st, key.data());
    keys_.push_back(key);
  }
}

CursorCodec::Tag CursorCodec::tag(const Key& key, std::string_view scope, CursorSchema schema,
                                  std::string_view body) {
  // The scope's length first, so that no scope and body can be read as another pair; the
  // schema too, so that a key is never read with types it was not written with.
  const std::uint32_t n = static_cast<std::uint32_t>(scope.size());
  const unsigned char len[4] = {static_cast<unsigned char>(n >> 24),
                                static_cast<unsigned char>(n >> 16),
                                static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  Tag t;
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, len, sizeof len);
  crypto_auth_hmacsha256_update(&st, bytes(scope), scope.size());
  const auto types = static_cast<unsigned char>(schema.size());
  crypto_auth_hmacsha256_update(&st, &types, 1);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(schema.data()),
                                schema.size());
  crypto_auth_hmacsha256_update(&st, bytes(body), body.size());
  crypto_auth_hmacsha256_final(&st, t.data());
  return t;
}

std::string CursorCodec::encode(std::string_view scope, CursorSchema schema,
                                const std::vector<CursorValue>& key) const {
  std::string raw(1, kVersion);
  raw += encode_cursor_fields(schema, key);
  const auto t = tag(keys_.front(), scope, schema, raw);
  raw.append(reinterpret_cast<const char*>(t.data()), t.size());
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), bytes(raw), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  assert(out.size() <= kMaxCursorChars);
  return out;
}

Result<std::vector<CursorValue>> CursorCodec::decode(std::string_view cursor,
                                                     std::string_view scope,
                                                     CursorSchema schema) const {
  if (cursor.empty() || cursor.size() > kMaxCursorChars) return invalid_cursor("is not a cursor");
  std::string raw(cursor.size(), '\0');
  std::size_t len = 0;
  // Strict: only the URL-safe alphabet, no padding, no leftover bits, nothing skipped.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), cursor.data(),
                        cursor.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return invalid_cursor("is not a cursor");
  raw.resize(len);
  if (raw.size() < 1 + sizeof(Tag) || raw[0] != kVersion) return invalid_cursor("is not a cursor");
  const std::string_view body = std::string_view(raw).substr(0, raw.size() - sizeof(Tag));
  const auto* got = bytes(raw) + body.size();
  bool authentic = false;
  for (const auto& key : keys_) {
    const auto want = tag(key, scope, schema, body);
    authentic = authentic || sodium_memcmp(want.data(), got, want.size()) == 0;
  }
  if (!authentic) return invalid_cursor("was not given out by this list for this query");
  return decode_cursor_fields(body.substr(1), schema);
}

}  // namespace gd
