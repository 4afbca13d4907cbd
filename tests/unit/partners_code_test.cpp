// Discount codes and partner API keys: alphabet, length, what people may type, key format.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "partners/code.hpp"

namespace {

using gd::partners::display_code;
using gd::partners::kCodeAlphabet;
using gd::partners::kCodeLength;
using gd::partners::new_api_key;
using gd::partners::new_discount_code;
using gd::partners::normalize_code;

TEST(DiscountCode, TwelveCharactersOfTheCrockfordAlphabet) {
  for (int i = 0; i < 1000; ++i) {
    const auto c = new_discount_code();
    ASSERT_EQ(c.size(), kCodeLength);
    for (char ch : c) EXPECT_NE(kCodeAlphabet.find(ch), std::string_view::npos) << c;
  }
  for (char banned : std::string("ILOU")) EXPECT_EQ(kCodeAlphabet.find(banned), std::string::npos);
}

TEST(DiscountCode, CodesDoNotRepeatAndUseEveryCharacter) {
  std::set<std::string> codes;
  std::set<char> seen;
  for (int i = 0; i < 20000; ++i) {
    const auto c = new_discount_code();
    codes.insert(c);
    seen.insert(c.begin(), c.end());
  }
  EXPECT_EQ(codes.size(), 20000u);
  EXPECT_EQ(seen.size(), kCodeAlphabet.size());
}

TEST(DiscountCode, DisplayedInGroupsOfFour) {
  EXPECT_EQ(display_code("7KQ2M9XD4HBW"), "7KQ2-M9XD-4HBW");
}

TEST(DiscountCode, NormalizeForgivesCaseSeparatorsAndLookalikes) {
  EXPECT_EQ(normalize_code("7KQ2-M9XD-4HBW"), "7KQ2M9XD4HBW");
  EXPECT_EQ(normalize_code(" 7kq2 m9xd 4hbw "), "7KQ2M9XD4HBW");
  EXPECT_EQ(normalize_code("O0Il-1LoA-AAAA"), "0011110AAAAA");
}

TEST(DiscountCode, NormalizeRefusesWhatCannotBeACode) {
  for (const char* bad : {"", "7KQ2-M9XD", "7KQ2-M9XD-4HBWX", "7KQ2-M9XD-4HBU", "7KQ2_M9XD_4HBW",
                          "7KQ2-M9XD-4HB\xc3\xa9"})
    EXPECT_EQ(normalize_code(bad), std::nullopt) << bad;
  EXPECT_EQ(normalize_code(std::string(65, '-') + "7KQ2M9XD4HBW"), std::nullopt);
}

TEST(ApiKey, PrefixedRandomAndStoredAsItsHash) {
  const auto a = new_api_key();
  const auto b = new_api_key();
  EXPECT_EQ(a.key.rfind("gdp_", 0), 0u);
  EXPECT_EQ(a.key.size(), 4u + 43u);  // 32 bytes in unpadded base64url
  EXPECT_NE(a.key, b.key);
  EXPECT_EQ(a.prefix, a.key.substr(0, 12));
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_EQ(a.hash, gd::partners::api_key_hash(a.key));
  EXPECT_EQ(a.key.find(a.hash), std::string::npos);
}

}  // namespace
