// Request-body parsing and field validation: every field error is collected before answering.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "core/json.hpp"
#include "core/text.hpp"

namespace {

using gd::json::parse_object;
using gd::json::Reader;
using gd::json::StringRule;

boost::json::object obj(std::string_view text) {
  auto r = parse_object(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? r.value() : boost::json::object{};
}

std::vector<std::string> fields(const gd::Status& s) {
  std::vector<std::string> out;
  if (!s.ok())
    for (const auto& e : s.error().errors) out.push_back(e.field);
  return out;
}

// ---- parse_object ------------------------------------------------------------------------

TEST(JsonParse, AcceptsObject) {
  auto r = parse_object(R"({"name":"Ada","age":36,"tags":["a"]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("name").as_string(), "Ada");
  EXPECT_EQ(r->at("age").as_int64(), 36);
}

TEST(JsonParse, MalformedIsMalformedJson) {
  for (const char* body :
       {"", "{", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "{} trailing", "nul", "\xff"}) {
    auto r = parse_object(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, gd::ErrorCode::kMalformedJson) << body;
  }
}

TEST(JsonParse, DeepNestingIsRejected) {
  const std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  auto r = parse_object(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, gd::ErrorCode::kMalformedJson);
  const std::string shallow = "{\"a\":" + std::string(10, '[') + std::string(10, ']') + "}";
  EXPECT_TRUE(parse_object(shallow).ok());
}

TEST(JsonParse, NonObjectIsValidationFailed) {
  for (const char* body : {"[]", "[{\"a\":1}]", "42", "\"text\"", "null", "true"}) {
    auto r = parse_object(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, gd::ErrorCode::kValidationFailed) << body;
    ASSERT_EQ(r.error().errors.size(), 1u) << body;
    EXPECT_EQ(r.error().errors[0].field, "") << body;
  }
}

// ---- Reader: strings ---------------------------------------------------------------------

TEST(JsonReader, RequiredStringMissingOrNullIsRequired) {
  const auto o = obj(R"({"b":null})");
  Reader in(o);
  EXPECT_EQ(in.required_string("a", {1, 10}), std::nullopt);
  EXPECT_EQ(in.required_string("b", {1, 10}), std::nullopt);
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().errors.size(), 2u);
  EXPECT_EQ(s.error().errors[0].field, "a");
  EXPECT_EQ(s.error().errors[0].message, "is required");
  EXPECT_EQ(s.error().errors[1].field, "b");
  EXPECT_EQ(s.error().errors[1].message, "is required");
}

TEST(JsonReader, RequiredStringIsTrimmed) {
  const auto o = obj(R"({"name":"  \t Ada Lovelace \r\n "})");
  Reader in(o);
  EXPECT_EQ(in.required_string("name", {1, 100}), "Ada Lovelace");
  EXPECT_TRUE(in.finish().ok());
}

TEST(JsonReader, WhitespaceOnlyFailsMinimumAfterTrimming) {
  const auto o = obj(R"({"name":"    "})");
  Reader in(o);
  EXPECT_EQ(in.required_string("name", {1, 100}), std::nullopt);
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().errors.at(0).message, "must be 1 to 100 characters");
}

TEST(JsonReader, TrimFalseKeepsSpacesAndCountsThem) {
  const auto o = obj(R"({"pw":"  abc  "})");
  Reader in(o);
  EXPECT_EQ(in.required_string("pw", {1, 7, false}), "  abc  ");
  EXPECT_EQ(in.required_string("pw", {1, 6, false}), std::nullopt);
  EXPECT_EQ(fields(in.finish()), (std::vector<std::string>{"pw"}));
}

TEST(JsonReader, CountsCharactersNotBytes) {
  // "Zoë Ñandú" is 9 characters and 12 bytes; "日本語" is 3 characters and 9 bytes; an emoji is 1.
  const auto o = obj(R"({"a":"Zoë Ñandú","b":"日本語","c":"🙂🙂","d":"日本語x"})");
  Reader in(o);
  EXPECT_EQ(in.required_string("a", {1, 9}), "Zoë Ñandú");
  EXPECT_EQ(in.required_string("b", {3, 3}), "日本語");
  EXPECT_EQ(in.required_string("c", {2, 2}), "🙂🙂");
  EXPECT_EQ(in.required_string("d", {1, 3}), std::nullopt);
  EXPECT_EQ(fields(in.finish()), (std::vector<std::string>{"d"}));
}

TEST(JsonReader, MaxLengthIsInclusive) {
  const auto o = obj(R"({"ok":"abcde","long":"abcdef"})");
  Reader in(o);
  EXPECT_EQ(in.required_string("ok", {0, 5}), "abcde");
  EXPECT_EQ(in.required_string("long", {0, 5}), std::nullopt);
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().errors.size(), 1u);
  EXPECT_EQ(s.error().errors[0].field, "long");
  EXPECT_EQ(s.error().errors[0].message, "must be at most 5 characters");
}

TEST(JsonReader, WrongTypeIsMustBeAString) {
  const auto o = obj(R"({"n":5,"b":true,"a":["x"],"o":{"x":1}})");
  Reader in(o);
  for (const char* f : {"n", "b", "a", "o"})
    EXPECT_EQ(in.required_string(f, {0, 10}), std::nullopt) << f;
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().errors.size(), 4u);
  for (const auto& e : s.error().errors) EXPECT_EQ(e.message, "must be a string") << e.field;
}

TEST(JsonReader, OptionalStringAbsentIsNulloptWithoutError) {
  const auto o = obj(R"({"bio":"  hi  "})");
  Reader in(o);
  EXPECT_EQ(in.optional_string("name", {1, 10}), std::nullopt);
  EXPECT_EQ(in.optional_string("bio", {0, 10}), "hi");
  EXPECT_TRUE(in.finish().ok());
}

TEST(JsonReader, OptionalStringPresentButInvalidIsAnError) {
  const auto o = obj(R"({"name":7,"bio":"abcdef","nul":null})");
  Reader in(o);
  EXPECT_EQ(in.optional_string("name", {1, 10}), std::nullopt);
  EXPECT_EQ(in.optional_string("bio", {0, 5}), std::nullopt);
  EXPECT_TRUE(in.is_null("nul"));
  EXPECT_FALSE(in.is_null("bio"));
  EXPECT_FALSE(in.is_null("absent"));
  EXPECT_TRUE(in.has("nul"));
  EXPECT_FALSE(in.has("absent"));
  EXPECT_EQ(fields(in.finish()), (std::vector<std::string>{"name", "bio"}));
}

// ---- Reader: points ----------------------------------------------------------------------

TEST(JsonReader, PointAbsentNullAndValid) {
  const auto o =
      obj(R"({"home":null,"work":{"lat":52.52,"lng":13.405},"int":{"lat":-90,"lng":180}})");
  Reader in(o);
  EXPECT_EQ(in.optional_point("absent"), std::nullopt);
  const auto home = in.optional_point("home");
  ASSERT_TRUE(home.has_value());
  EXPECT_FALSE(home->has_value());
  const auto work = in.optional_point("work");
  ASSERT_TRUE(work.has_value() && work->has_value());
  EXPECT_DOUBLE_EQ((**work).lat, 52.52);
  EXPECT_DOUBLE_EQ((**work).lng, 13.405);
  const auto edge = in.optional_point("int");
  ASSERT_TRUE(edge.has_value() && edge->has_value());
  EXPECT_DOUBLE_EQ((**edge).lat, -90.0);
  EXPECT_DOUBLE_EQ((**edge).lng, 180.0);
  EXPECT_TRUE(in.finish().ok());
}

TEST(JsonReader, PointOutOfRangeIsAnError) {
  const auto o = obj(R"({"a":{"lat":90.0001,"lng":0},"b":{"lat":-91,"lng":0},)"
                     R"("c":{"lat":0,"lng":180.5},"d":{"lat":0,"lng":-181}})");
  Reader in(o);
  for (const char* f : {"a", "b", "c", "d"}) EXPECT_EQ(in.optional_point(f), std::nullopt) << f;
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().errors.size(), 4u);
  for (const auto& e : s.error().errors)
    EXPECT_EQ(e.message, "lat must be in [-90, 90] and lng in [-180, 180]") << e.field;
}

TEST(JsonReader, PointWrongShapeIsAnError) {
  const auto o = obj(R"({"a":{"lat":1},"b":{"lat":"1","lng":2},"c":[1,2],"d":"52.5,13.4","e":{}})");
  Reader in(o);
  for (const char* f : {"a", "b", "c", "d", "e"})
    EXPECT_EQ(in.optional_point(f), std::nullopt) << f;
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(fields(s), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  for (const auto& e : s.error().errors)
    EXPECT_EQ(e.message, "must be an object {lat, lng} of numbers");
}

// ---- Reader: integers --------------------------------------------------------------------

TEST(JsonReader, OptionalIntWithinBounds) {
  const auto o = obj(R"({"min":1,"max":100,"neg":-5})");
  Reader in(o);
  EXPECT_EQ(in.optional_int("absent", 1, 100), std::nullopt);
  EXPECT_EQ(in.optional_int("min", 1, 100), 1);
  EXPECT_EQ(in.optional_int("max", 1, 100), 100);
  EXPECT_EQ(in.optional_int("neg", -10, 10), -5);
  EXPECT_TRUE(in.finish().ok());
}

TEST(JsonReader, OptionalIntOutOfBounds) {
  const auto o = obj(R"({"low":0,"high":101})");
  Reader in(o);
  EXPECT_EQ(in.optional_int("low", 1, 100), std::nullopt);
  EXPECT_EQ(in.optional_int("high", 1, 100), std::nullopt);
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().errors.size(), 2u);
  EXPECT_EQ(s.error().errors[0].message, "must be between 1 and 100");
  EXPECT_EQ(s.error().errors[1].message, "must be between 1 and 100");
}

TEST(JsonReader, OptionalIntRejectsNonIntegers) {
  const auto o = obj(R"({"f":2.5,"s":"5","b":true,"n":null,"huge":18446744073709551615})");
  Reader in(o);
  for (const char* f : {"f", "s", "b", "n", "huge"})
    EXPECT_EQ(in.optional_int(f, 0, 100), std::nullopt) << f;
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(fields(s), (std::vector<std::string>{"f", "s", "b", "n", "huge"}));
}

TEST(JsonReader, NulCharactersAreRefused) {
  const auto o = obj(R"({"a":"x\u0000y","b":"line\nbreak"})");
  Reader in(o);
  EXPECT_EQ(in.required_string("a", {1, 10, true}), std::nullopt);
  EXPECT_EQ(in.optional_string("b", {1, 20, true, gd::TextKind::kMultiline}), "line\nbreak");
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().errors.size(), 1u);
  EXPECT_EQ(s.error().errors[0].message, "must not contain NUL characters");
}

TEST(JsonReader, RequiredIntMissingOrNullIsRequired) {
  const auto o = obj(R"({"n":null,"ok":7,"low":0})");
  Reader in(o);
  EXPECT_EQ(in.required_int("absent", 1, 10), std::nullopt);
  EXPECT_EQ(in.required_int("n", 1, 10), std::nullopt);
  EXPECT_EQ(in.required_int("ok", 1, 10), 7);
  EXPECT_EQ(in.required_int("low", 1, 10), std::nullopt);
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.error().errors.size(), 3u);
  EXPECT_EQ(s.error().errors[0].message, "is required");
  EXPECT_EQ(s.error().errors[1].message, "is required");
  EXPECT_EQ(s.error().errors[2].message, "must be between 1 and 10");
}

TEST(JsonReader, OptionalBoolAcceptsOnlyBooleans) {
  const auto o = obj(R"({"t":true,"f":false,"one":1,"s":"true","n":null})");
  Reader in(o);
  EXPECT_EQ(in.optional_bool("absent"), std::nullopt);
  EXPECT_EQ(in.optional_bool("t"), true);
  EXPECT_EQ(in.optional_bool("f"), false);
  for (const char* f : {"one", "s", "n"}) EXPECT_EQ(in.optional_bool(f), std::nullopt) << f;
  EXPECT_EQ(fields(in.finish()), (std::vector<std::string>{"one", "s", "n"}));
}

// ---- Reader: finish ----------------------------------------------------------------------

TEST(JsonReader, FinishCollectsEveryFieldErrorInOrder) {
  const auto o =
      obj(R"({"name":"","email":42,"location":{"lat":100,"lng":0},"radius":-1,"bio":"ok"})");
  Reader in(o);
  (void)in.required_string("name", {1, 100});
  (void)in.required_string("email", {3, 254});
  (void)in.required_string("password", {8, 128, false});
  (void)in.optional_string("bio", {0, 1000});
  (void)in.optional_point("location");
  (void)in.optional_int("radius", 0, 50'000);
  in.fail("custom", "is wrong");
  EXPECT_TRUE(in.failed());
  const auto s = in.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, gd::ErrorCode::kValidationFailed);
  EXPECT_EQ(fields(s), (std::vector<std::string>{"name", "email", "password", "location", "radius",
                                                 "custom"}));
  EXPECT_EQ(s.error().errors.back().message, "is wrong");
}

TEST(JsonReader, FinishOkWhenNothingFailed) {
  const auto o = obj(R"({"name":"Ada"})");
  Reader in(o);
  EXPECT_FALSE(in.failed());
  EXPECT_EQ(in.required_string("name", {1, 10}), "Ada");
  EXPECT_FALSE(in.failed());
  EXPECT_TRUE(in.finish().ok());
}

// ---- escape / utf8_length ----------------------------------------------------------------

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(gd::json::escape(""), "");
  EXPECT_EQ(gd::json::escape("plain text"), "plain text");
  EXPECT_EQ(gd::json::escape(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(gd::json::escape(R"(C:\path)"), R"(C:\\path)");
  EXPECT_EQ(gd::json::escape("a\nb\rc\td"), R"(a\nb\rc\td)");
  EXPECT_EQ(gd::json::escape(std::string("\x01\x1f", 2)), R"(\u0001\u001f)");
  EXPECT_EQ(gd::json::escape(std::string("nul\0x", 5)), R"(nul\u0000x)");
  EXPECT_EQ(gd::json::escape("Zoë 🙂"), "Zoë 🙂");
}

TEST(JsonEscape, EscapedTextParsesBackToTheOriginal) {
  std::string all;
  for (int c = 1; c < 128; ++c) all.push_back(static_cast<char>(c));
  all += "Zoë 日本語 🙂";
  const auto v = boost::json::parse("\"" + gd::json::escape(all) + "\"");
  EXPECT_EQ(v.as_string(), all);
}

TEST(JsonUtf8, LengthCountsCodePoints) {
  EXPECT_EQ(gd::json::utf8_length(""), 0u);
  EXPECT_EQ(gd::json::utf8_length("abc"), 3u);
  EXPECT_EQ(gd::json::utf8_length("é"), 1u);
  EXPECT_EQ(gd::json::utf8_length("日本語"), 3u);
  EXPECT_EQ(gd::json::utf8_length("🙂a"), 2u);
}

// ---- refused characters ------------------------------------------------------------------

// The error message for {"f": <json string literal>} read with `kind`, or "" when accepted.
std::string refusal(const std::string& literal, gd::TextKind kind) {
  const auto o = obj("{\"f\":" + literal + "}");
  Reader in(o);
  const auto v = in.required_string("f", {0, 100, true, kind});
  const auto st = in.finish();
  if (st.ok()) {
    EXPECT_TRUE(v.has_value());
    return "";
  }
  EXPECT_EQ(st.error().errors.at(0).field, "f");
  return st.error().errors.at(0).message;
}

TEST(JsonText, OneLineTextRefusesEveryControlCharacter) {
  for (const char* c : {R"("\u0001")", R"("a\u0007b")", R"("a\tb")", R"("a\nb")", R"("a\rb")",
                        R"("a\u001bb")", R"("a\u007fb")", R"("a\u0080b")", R"("a\u009fb")"}) {
    SCOPED_TRACE(c);
    EXPECT_NE(refusal(c, gd::TextKind::kLine).find("control characters"), std::string::npos);
  }
}

TEST(JsonText, OneLineTextRefusesBidiOverridesAndIsolates) {
  for (const char* c : {R"("a\u202ab")", R"("a\u202bb")", R"("a\u202cb")", R"("a\u202db")",
                        R"("evil\u202Etxt.exe")", R"("a\u2066b")", R"("a\u2067b")", R"("a\u2068b")",
                        R"("a\u2069b")"}) {
    SCOPED_TRACE(c);
    EXPECT_NE(refusal(c, gd::TextKind::kLine).find("bidirectional"), std::string::npos);
  }
  EXPECT_EQ(refusal(R"("U+202E is \u202E")", gd::TextKind::kLine),
            "must not contain bidirectional formatting characters (U+202E)");
}

TEST(JsonText, OneLineTextKeepsOrdinaryUnicodeAndTrimsLineBreaksAtTheEnds) {
  for (const char* ok : {R"("Zoë")", R"("日本語 🙂")", R"("שלום עולם")", R"("مرحبا")",
                         R"("a\u200eb")", R"("\u00a0x")", R"("  padded\n")", R"("\tx")"}) {
    SCOPED_TRACE(ok);
    EXPECT_EQ(refusal(ok, gd::TextKind::kLine), "");
  }
}

TEST(JsonText, MultilineTextAllowsTabAndLineBreaksOnly) {
  EXPECT_EQ(refusal(R"("line 1\nline 2\r\n\tindented")", gd::TextKind::kMultiline), "");
  EXPECT_EQ(refusal(R"("right \u202E to left")", gd::TextKind::kMultiline), "");
  for (const char* c :
       {R"("a\u0007b")", R"("a\u000bb")", R"("a\u000cb")", R"("a\u007fb")", R"("a\u0085b")"}) {
    SCOPED_TRACE(c);
    EXPECT_NE(refusal(c, gd::TextKind::kMultiline).find("control characters"), std::string::npos);
  }
}

TEST(JsonText, OpaqueTextRefusesOnlyNul) {
  EXPECT_EQ(refusal(R"("p\u0007ss\u202Eword\t")", gd::TextKind::kOpaque), "");
  EXPECT_NE(refusal(R"("a\u0000b")", gd::TextKind::kOpaque), "");
}

TEST(Utf8, ValidatesStrictly) {
  EXPECT_TRUE(gd::valid_utf8(""));
  EXPECT_TRUE(gd::valid_utf8("Zoë 日本語 🙂 \xf4\x8f\xbf\xbf"));
  for (const std::string bad :
       {"\x80", "\xc3", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
        "\xf4\x90\x80\x80", "\xf5", "\xff", "a\xe6\x97", "\xe6\x97\xa5\x80"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(gd::valid_utf8(bad));
  }
}

}  // namespace
