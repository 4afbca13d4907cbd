// UUID generation and validation; ISO-8601 millisecond timestamps.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace {

using gd::is_uuid;
using gd::iso8601_ms;
using gd::parse_iso8601_ms;

std::uint64_t v7_millis(const std::string& u) {
  std::string hex = u.substr(0, 8) + u.substr(9, 4);
  return std::stoull(hex, nullptr, 16);
}

// ---- UUIDs --------------------------------------------------------------------------------

TEST(Uuid, IsUuidAcceptsCanonicalLowercase) {
  EXPECT_TRUE(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_TRUE(is_uuid("0190c0de-0000-7000-8000-000000000001"));
  EXPECT_TRUE(is_uuid("00000000-0000-1000-0000-000000000000"));
  EXPECT_TRUE(is_uuid("ffffffff-ffff-8fff-ffff-ffffffffffff"));
}

TEST(Uuid, IsUuidRejectsUppercase) {
  EXPECT_FALSE(is_uuid("123E4567-e89b-42d3-a456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400A"));
}

TEST(Uuid, IsUuidRejectsWrongLength) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-4266141740000"));
  EXPECT_FALSE(is_uuid("123e4567e89b42d3a456426614174000"));
  EXPECT_FALSE(is_uuid("{123e4567-e89b-42d3-a456-426614174000}"));
}

TEST(Uuid, IsUuidRejectsWrongVersion) {
  EXPECT_FALSE(is_uuid("123e4567-e89b-02d3-a456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-92d3-a456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-f2d3-a456-426614174000"));
}

TEST(Uuid, IsUuidRejectsMisplacedDashesAndNonHex) {
  EXPECT_FALSE(is_uuid("123e456-7e89b-42d3-a456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456_426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400g"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400 "));
  EXPECT_FALSE(is_uuid("../../../../../../etc/passwd/xxxxxxxx"));
}

TEST(Uuid, V4IsValidVersion4VariantAndUnique) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    const auto u = gd::uuid_v4();
    ASSERT_TRUE(is_uuid(u)) << u;
    ASSERT_EQ(u[14], '4') << u;
    ASSERT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    ASSERT_TRUE(seen.insert(u).second) << "duplicate " << u;
  }
}

TEST(Uuid, V7IsValidVersion7VariantAndUnique) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    const auto u = gd::uuid_v7();
    ASSERT_TRUE(is_uuid(u)) << u;
    ASSERT_EQ(u[14], '7') << u;
    ASSERT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    ASSERT_TRUE(seen.insert(u).second) << "duplicate " << u;
  }
}

TEST(Uuid, V7CarriesTheCurrentUnixMilliseconds) {
  const auto before = static_cast<std::uint64_t>(gd::now_ms());
  const auto u = gd::uuid_v7();
  const auto after = static_cast<std::uint64_t>(gd::now_ms());
  EXPECT_GE(v7_millis(u), before) << u;
  EXPECT_LE(v7_millis(u), after) << u;
}

TEST(Uuid, V7IsTimeOrdered) {
  // Within a millisecond the order is random; across milliseconds it follows time.
  std::string prev = gd::uuid_v7();
  for (int i = 0; i < 10'000; ++i) {
    const auto u = gd::uuid_v7();
    ASSERT_GE(v7_millis(u), v7_millis(prev)) << prev << " then " << u;
    prev = u;
  }
  const auto a = gd::uuid_v7();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto b = gd::uuid_v7();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto c = gd::uuid_v7();
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

// ---- clock --------------------------------------------------------------------------------

TEST(Clock, NowMsIsCurrentEpochMilliseconds) {
  const auto sys = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LE(std::abs(gd::now_ms() - sys), 1000);
  EXPECT_GT(gd::now_ms(), 1'700'000'000'000);  // after November 2023
}

TEST(Clock, FormatsIso8601WithMilliseconds) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(iso8601_ms(1'795'341'600'000), "2026-11-22T10:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1'795'341'600'123), "2026-11-22T10:00:00.123Z");
  EXPECT_EQ(iso8601_ms(951'782'400'999), "2000-02-29T00:00:00.999Z");
  EXPECT_EQ(iso8601_ms(1'709'251'199'999), "2024-02-29T23:59:59.999Z");
}

TEST(Clock, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso8601_ms(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(iso8601_ms(-1001), "1969-12-31T23:59:58.999Z");
  EXPECT_EQ(iso8601_ms(-86'400'000), "1969-12-31T00:00:00.000Z");
}

TEST(Clock, ParsesIso8601) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("2026-11-22T10:00:00.123Z"), 1'795'341'600'123);
  EXPECT_EQ(parse_iso8601_ms("1969-12-31T23:59:59.999Z"), -1);
}

TEST(Clock, FormatParseRoundTrip) {
  const std::vector<std::int64_t> samples{0,
                                          1,
                                          999,
                                          1000,
                                          -1,
                                          -999,
                                          -1000,
                                          -1001,
                                          -86'400'001,
                                          951'782'400'999,
                                          1'709'251'199'999,
                                          1'795'341'600'123,
                                          4'102'444'799'999,
                                          -2'208'988'800'000};
  for (const auto ms : samples) {
    const auto text = iso8601_ms(ms);
    EXPECT_EQ(text.size(), 24u) << text;
    EXPECT_EQ(parse_iso8601_ms(text), ms) << text;
  }
  const auto now = gd::now_ms();
  EXPECT_EQ(parse_iso8601_ms(iso8601_ms(now)), now);
}

TEST(Clock, ParseRejectsNonTimestamps) {
  for (const char* bad :
       {"", "now", "2026-11-22", "22/11/2026 10:00", "2026-11-22 10:00:00.000Z", "T10:00:00.000Z"})
    EXPECT_EQ(parse_iso8601_ms(bad), std::nullopt) << bad;
}

TEST(Clock, ParseAcceptsWholeSecondsAndLongFractions) {
  EXPECT_EQ(parse_iso8601_ms("2026-11-22T10:00:00Z"), parse_iso8601_ms("2026-11-22T10:00:00.000Z"));
  EXPECT_EQ(parse_iso8601_ms("2026-11-22T10:00:00.123456Z"),
            parse_iso8601_ms("2026-11-22T10:00:00.123Z"));
}

TEST(Clock, ParseRejectsOutOfRangeFields) {
  for (const char* bad : {"2026-13-01T00:00:00.000Z", "2026-02-30T00:00:00.000Z",
                          "2026-11-22T24:00:00.000Z", "2026-11-22T10:60:00.000Z"})
    EXPECT_EQ(parse_iso8601_ms(bad), std::nullopt) << bad;
}

TEST(Clock, ParseRequiresTheZoneDesignatorAndNothingAfter) {
  EXPECT_EQ(parse_iso8601_ms("2026-11-22T10:00:00.000"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2026-11-22T10:00:00.000+02:00"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("2026-11-22T10:00:00.000Zjunk"), std::nullopt);
}

TEST(Clock, ParseReadsFractionAsFractionOfASecond) {
  // ".5" is half a second, not five milliseconds; accept it as 500 ms or reject it.
  const auto r = parse_iso8601_ms("2026-11-22T10:00:00.5Z");
  EXPECT_NE(r, std::optional<std::int64_t>(1'795'341'600'005));
}

}  // namespace

TEST(Uuid, FastIdIsValidAndUniquePerThreadAndAcrossThreads) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto id = gd::fast_id();
    ASSERT_TRUE(gd::is_uuid(id)) << id;
    ASSERT_TRUE(seen.insert(id).second) << id;
  }
  std::string other;
  std::thread([&other] { other = gd::fast_id(); }).join();
  EXPECT_TRUE(gd::is_uuid(other));
  EXPECT_EQ(seen.count(other), 0u);
}
