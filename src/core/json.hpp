// JSON helpers on Boost.JSON: parsing a request body into an object and reading its fields
// with validation that collects every field error before answering.
#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.hpp"
#include "core/result.hpp"
#include "core/text.hpp"

namespace gd::json {

// The body must be one JSON object: MALFORMED_JSON otherwise (VALIDATION_FAILED for a
// well-formed non-object).
Result<boost::json::object> parse_object(std::string_view body);
std::string serialize(const boost::json::value& v);
// For hand-written JSON such as log lines.
std::string escape(std::string_view s);
void escape_to(std::string& out, std::string_view s);  // appends, without quotes
std::size_t utf8_length(std::string_view s);

struct StringRule {
  std::size_t min_chars = 0;
  std::size_t max_chars = 0;  // required: every string has a limit
  bool trim = true;
  // Which characters the text may hold (core/text.hpp): one line (names, titles) by default.
  TextKind kind = TextKind::kLine;
};

// The one text rule of every user-supplied string, JSON or not: no NUL characters, trimmed
// when the rule says so (in place), and a length in characters within the rule. Returns the
// problem ("must be 1 to 120 characters"), or nullopt when `s` is acceptable.
std::optional<std::string> check_text(std::string& s, StringRule rule);

class Reader {
 public:
  explicit Reader(const boost::json::object& o) : o_(o) {}

  bool has(std::string_view field) const { return o_.contains(field); }
  bool is_null(std::string_view field) const;
  std::optional<std::string> required_string(std::string_view field, StringRule rule);
  // nullopt when absent; records an error when present but not a string or out of range.
  std::optional<std::string> optional_string(std::string_view field, StringRule rule);
  // absent -> nullopt; null -> optional(nullopt); object -> the point (validated).
  std::optional<std::optional<GeoPoint>> optional_point(std::string_view field);
  std::optional<std::int64_t> optional_int(std::string_view field, std::int64_t min,
                                           std::int64_t max);
  // Like optional_int, but a missing or null field is an error too.
  std::optional<std::int64_t> required_int(std::string_view field, std::int64_t min,
                                           std::int64_t max);
  std::optional<bool> optional_bool(std::string_view field);

  void fail(std::string field, std::string message);
  bool failed() const { return !errors_.empty(); }
  Status finish() const;

 private:
  std::optional<std::string> read_string(std::string_view field, StringRule rule);
  const boost::json::object& o_;
  std::vector<FieldError> errors_;
};

}  // namespace gd::json
