// Cursor pagination: ?limit= bounds and opaque ?cursor= values.
#include "http/page.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using gd::encode_cursor;
using gd::read_page;
using gd::http::Request;

Request with_query(std::vector<std::pair<std::string, std::string>> query) {
  Request r;
  r.method = "GET";
  r.path = "/api/v1/users/me/points";
  r.query = std::move(query);
  return r;
}

void expect_invalid(const gd::Result<gd::PageRequest>& r, const std::string& field) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, gd::ErrorCode::kValidationFailed);
  ASSERT_EQ(r.error().errors.size(), 1u);
  EXPECT_EQ(r.error().errors[0].field, field);
}

TEST(Page, DefaultLimitIsTwentyAndFirstPage) {
  const auto r = read_page(with_query({}), 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->limit, 20);
  EXPECT_TRUE(r->after.empty());
}

TEST(Page, LimitBoundsAreOneAndHundred) {
  for (const auto& [text, n] :
       std::vector<std::pair<std::string, int>>{{"1", 1}, {"37", 37}, {"100", 100}}) {
    const auto r = read_page(with_query({{"limit", text}}), 2);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(r->limit, n);
  }
}

TEST(Page, LimitOutOfRangeOrNotAnIntegerIsValidationFailed) {
  for (const char* bad :
       {"0", "101", "-1", "", "abc", "10x", " 10", "1.5", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    expect_invalid(read_page(with_query({{"limit", bad}}), 2), "limit");
  }
}

TEST(Page, CursorRoundTrip) {
  const std::vector<std::string> parts{"1795341600000", "0190c0de-0000-7000-8000-000000000001"};
  const auto cursor = encode_cursor(parts);
  EXPECT_EQ(cursor.find_first_of("+/=&?# "), std::string::npos) << cursor;
  const auto r = read_page(with_query({{"limit", "5"}, {"cursor", cursor}}), 2);
  ASSERT_TRUE(r.ok()) << r.error().errors.at(0).message;
  EXPECT_EQ(r->limit, 5);
  EXPECT_EQ(r->after, parts);
}

TEST(Page, CursorRoundTripWithEmptyAndUnicodeParts) {
  const std::vector<std::string> parts{"", "Zoë 🙂", "x"};
  const auto r = read_page(with_query({{"cursor", encode_cursor(parts)}}), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->after, parts);
}

TEST(Page, EmptyCursorIsFirstPage) {
  const auto r = read_page(with_query({{"cursor", ""}}), 2);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->after.empty());
}

TEST(Page, CursorWithWrongNumberOfPartsIsValidationFailed) {
  expect_invalid(read_page(with_query({{"cursor", encode_cursor({"a"})}}), 2), "cursor");
  expect_invalid(read_page(with_query({{"cursor", encode_cursor({"a", "b", "c"})}}), 2), "cursor");
}

TEST(Page, TamperedCursorIsValidationFailed) {
  const auto cursor = encode_cursor({"1795341600000", "0190c0de-0000-7000-8000-000000000001"});
  // Changing the first character changes the version marker.
  auto flipped = cursor;
  flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
  expect_invalid(read_page(with_query({{"cursor", flipped}}), 2), "cursor");
  // Characters outside the base64url alphabet, padding, truncation to a partial byte.
  expect_invalid(read_page(with_query({{"cursor", cursor + "+"}}), 2), "cursor");
  expect_invalid(read_page(with_query({{"cursor", cursor + "="}}), 2), "cursor");
  expect_invalid(read_page(with_query({{"cursor", "!" + cursor.substr(1)}}), 2), "cursor");
  expect_invalid(read_page(with_query({{"cursor", "garbage"}}), 2), "cursor");
  // Something that decodes fine but is not one of our cursors.
  expect_invalid(read_page(with_query({{"cursor", "djI"}}), 2), "cursor");  // "v2"
}

TEST(Page, OverlongCursorIsValidationFailed) {
  const auto cursor = encode_cursor({std::string(2000, 'a'), "b"});
  ASSERT_GT(cursor.size(), 1024u);
  expect_invalid(read_page(with_query({{"cursor", cursor}}), 2), "cursor");
}

TEST(Page, BadLimitIsReportedBeforeTheCursor) {
  expect_invalid(read_page(with_query({{"limit", "0"}, {"cursor", "garbage"}}), 2), "limit");
}

}  // namespace
