// Cursor pagination: ?limit= bounds, and cursors that only the list which gave them out
// accepts back (authenticated, bound to route, caller and query shape, typed fields checked).
#include "http/page.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using gd::CursorCodec;
using gd::CursorField;
using gd::CursorValue;
using gd::ListCursor;
using gd::read_page;
using gd::http::Request;

constexpr CursorField kTimeId[] = {CursorField::kInt, CursorField::kUuid};
constexpr CursorField kNameId[] = {CursorField::kText, CursorField::kUuid};
constexpr CursorField kDistanceId[] = {CursorField::kNumber, CursorField::kUuid};
const std::string kId = "0190c0de-0000-7000-8000-000000000001";
const std::string kSecret(32, 'k');

Request with_query(std::vector<std::pair<std::string, std::string>> query,
                   std::string user = "0190c0de-0000-7000-8000-0000000000aa") {
  Request r;
  r.method = "GET";
  r.path = "/api/v1/users/me/points";
  r.query = std::move(query);
  r.principal = gd::http::Principal{std::move(user), "s", {}};
  return r;
}

std::string cursor_of(const Request& req, const CursorCodec& codec, const ListCursor& list,
                      std::vector<CursorValue> key) {
  return gd::next_cursor(req, codec, list, key);
}

void expect_code(const gd::Result<gd::PageRequest>& r, gd::ErrorCode code,
                 const std::string& field) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code);
  ASSERT_EQ(r.error().errors.size(), 1u);
  EXPECT_EQ(r.error().errors[0].field, field);
}

void expect_invalid_cursor(const gd::Result<gd::PageRequest>& r) {
  expect_code(r, gd::ErrorCode::kInvalidCursor, "cursor");
}

// Base64url of raw bytes, as a client could forge them.
std::string b64(const std::string& raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

class Cursors : public ::testing::Test {
 protected:
  CursorCodec codec{{kSecret}};
  ListCursor list{kTimeId, {}};
};

TEST_F(Cursors, DefaultLimitIsTwentyAndFirstPage) {
  const auto r = read_page(with_query({}), codec, list);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->limit, 20);
  EXPECT_TRUE(r->after.empty());
}

TEST_F(Cursors, LimitBoundsAreOneAndHundred) {
  for (const auto& [text, n] :
       std::vector<std::pair<std::string, int>>{{"1", 1}, {"37", 37}, {"100", 100}}) {
    const auto r = read_page(with_query({{"limit", text}}), codec, list);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(r->limit, n);
  }
}

TEST_F(Cursors, LimitOutOfRangeOrNotAnIntegerIsValidationFailed) {
  for (const char* bad :
       {"0", "101", "-1", "", "abc", "10x", " 10", "1.5", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    expect_code(read_page(with_query({{"limit", bad}}), codec, list),
                gd::ErrorCode::kValidationFailed, "limit");
  }
}

TEST_F(Cursors, RoundTripKeepsTypedFields) {
  const auto req = with_query({});
  const auto cursor = cursor_of(req, codec, list, {std::int64_t{1795341600000}, kId});
  EXPECT_EQ(cursor.find_first_of("+/=&?# "), std::string::npos) << cursor;
  const auto r = read_page(with_query({{"limit", "5"}, {"cursor", cursor}}), codec, list);
  ASSERT_TRUE(r.ok()) << r.error().errors.at(0).message;
  EXPECT_EQ(r->limit, 5);
  EXPECT_EQ(r->int_after(0), 1795341600000);
  EXPECT_EQ(r->text_after(1), kId);
}

TEST_F(Cursors, RoundTripOfTextAndNumbers) {
  const ListCursor names{kNameId, {}};
  const auto req = with_query({});
  for (const std::string& name : {std::string(), std::string("Zoë 🙂"), std::string(400, 'z')}) {
    const auto r = read_page(with_query({{"cursor", cursor_of(req, codec, names, {name, kId})}}),
                             codec, names);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->text_after(0), name);
  }
  const ListCursor distances{kDistanceId, {}};
  for (const double d : {0.0, 0.1, 1234.5678901234, 49999.99999999999, 1e-300}) {
    const auto r = read_page(with_query({{"cursor", cursor_of(req, codec, distances, {d, kId})}}),
                             codec, distances);
    ASSERT_TRUE(r.ok()) << d;
    EXPECT_EQ(r->number_after(0), d);
  }
}

TEST_F(Cursors, EmptyCursorIsFirstPage) {
  const auto r = read_page(with_query({{"cursor", ""}}), codec, list);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->after.empty());
}

TEST_F(Cursors, GarbageTruncatedAndPaddedAreInvalidCursor) {
  const auto cursor = cursor_of(with_query({}), codec, list, {std::int64_t{5}, kId});
  for (const std::string& bad :
       {std::string("garbage"), std::string("!") + cursor.substr(1), cursor + "+", cursor + "=",
        cursor.substr(0, cursor.size() - 1), cursor.substr(0, cursor.size() - 4),
        cursor.substr(0, 10), std::string("AA"), std::string(2000, 'A')}) {
    SCOPED_TRACE(bad);
    expect_invalid_cursor(read_page(with_query({{"cursor", bad}}), codec, list));
  }
}

TEST_F(Cursors, EveryFlippedBitIsInvalidCursor) {
  const auto cursor = cursor_of(with_query({}), codec, list, {std::int64_t{5}, kId});
  std::string raw(cursor.size(), '\0');
  std::size_t len = 0;
  ASSERT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(),
                              cursor.data(), cursor.size(), nullptr, &len, nullptr,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  raw.resize(len);
  for (std::size_t bit = 0; bit < raw.size() * 8; ++bit) {
    auto flipped = raw;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    SCOPED_TRACE(bit);
    expect_invalid_cursor(read_page(with_query({{"cursor", b64(flipped)}}), codec, list));
  }
}

TEST_F(Cursors, ForgedCursorsWithoutTheKeyAreInvalid) {
  // The previous format (base64 of "v1" NUL fields), and our format tagged with another key.
  expect_invalid_cursor(
      read_page(with_query({{"cursor", b64(std::string("v1\0abc\0", 7) + kId)}}), codec, list));
  const CursorCodec other{{std::string(32, 'x')}};
  const auto forged = cursor_of(with_query({}), other, list, {std::int64_t{5}, kId});
  expect_invalid_cursor(read_page(with_query({{"cursor", forged}}), codec, list));
}

TEST_F(Cursors, BoundToRouteCallerAndShape) {
  const auto req = with_query({});
  const auto cursor = cursor_of(req, codec, list, {std::int64_t{5}, kId});
  // Another caller.
  expect_invalid_cursor(read_page(
      with_query({{"cursor", cursor}}, "0190c0de-0000-7000-8000-0000000000bb"), codec, list));
  // Another route.
  auto elsewhere = with_query({{"cursor", cursor}});
  elsewhere.path = "/api/v1/users/me/redemptions";
  expect_invalid_cursor(read_page(elsewhere, codec, list));
  // Another shape, and another schema.
  expect_invalid_cursor(read_page(with_query({{"cursor", cursor}}), codec, {kTimeId, "x"}));
  expect_invalid_cursor(read_page(with_query({{"cursor", cursor}}), codec, {kNameId, {}}));
}

TEST_F(Cursors, QueryShapeTellsAbsentFromEmptyAndKeepsValuesApart) {
  const auto shape = [](std::vector<std::pair<std::string, std::string>> q) {
    return gd::query_shape(with_query(std::move(q)), {"role", "status"});
  };
  EXPECT_NE(shape({}), shape({{"role", ""}}));
  EXPECT_NE(shape({{"role", "a"}, {"status", "b"}}), shape({{"role", "a\nstatus=1:b"}}));
  EXPECT_EQ(shape({{"status", "open"}, {"role", "helper"}}),
            shape({{"role", "helper"}, {"status", "open"}}));
}

TEST_F(Cursors, EveryVerifyingKeyAcceptsAndTheFirstSigns) {
  const CursorCodec old_keys{{std::string(32, 'o')}};
  const CursorCodec rotated{{std::string(32, 'n'), std::string(32, 'o')}};
  const auto req = with_query({});
  const auto from_old = cursor_of(req, old_keys, list, {std::int64_t{5}, kId});
  EXPECT_TRUE(read_page(with_query({{"cursor", from_old}}), rotated, list).ok());
  const auto from_new = cursor_of(req, rotated, list, {std::int64_t{5}, kId});
  expect_invalid_cursor(read_page(with_query({{"cursor", from_new}}), old_keys, list));
}

// ---- the fields, below the tag -----------------------------------------------------------

std::string field(const std::string& text) {
  return std::string{static_cast<char>(text.size() >> 8), static_cast<char>(text.size() & 0xFF)} +
         text;
}

void expect_fields_refused(const std::string& fields, gd::CursorSchema schema) {
  const auto r = gd::decode_cursor_fields(fields, schema);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, gd::ErrorCode::kInvalidCursor);
}

TEST(CursorFields, NumbersAreParsedStrictlyInTheirCanonicalForm) {
  for (const char* bad : {"", "+5", "05", "-0", " 5", "5 ", "5x", "0x10", "1e3",
                          "9223372036854775808", "1.0", "\xff"}) {
    SCOPED_TRACE(bad);
    expect_fields_refused(field(bad) + field(kId), kTimeId);
  }
  for (const char* bad : {"", "nan", "inf", "-inf", "1e999", "1.50", "0x1p3", "+1", " 1"}) {
    SCOPED_TRACE(bad);
    expect_fields_refused(field(bad) + field(kId), kDistanceId);
  }
  EXPECT_TRUE(gd::decode_cursor_fields(field("-42") + field(kId), kTimeId).ok());
  EXPECT_TRUE(gd::decode_cursor_fields(field("12.5") + field(kId), kDistanceId).ok());
}

TEST(CursorFields, TextMustBeValidUtf8WithoutNul) {
  for (const std::string& bad : {std::string("\xff"), std::string("a\xc3"), std::string("\xc0\xaf"),
                                 std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"),
                                 std::string("a\0b", 3), std::string(513, 'a')}) {
    expect_fields_refused(field(bad) + field(kId), kNameId);
  }
}

TEST(CursorFields, IdsMustBeUuidsAndNothingMayFollow) {
  expect_fields_refused(field("x") + field("not-a-uuid"), kNameId);
  expect_fields_refused(field("x") + field(kId) + std::string(1, '\0'), kNameId);
  expect_fields_refused(field("x") + field(kId) + field("y"), kNameId);
  expect_fields_refused(field("x"), kNameId);
  expect_fields_refused(std::string("\x00", 1), kNameId);
  EXPECT_TRUE(gd::decode_cursor_fields(field("x") + field(kId), kNameId).ok());
}

}  // namespace
