// Body parsing and field validation shared by every route module.
#include "core/json.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace gd::json {

Result<boost::json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 32;
  auto v = boost::json::parse(body, ec, {}, opts);
  if (ec)
    return make_error(ErrorCode::kMalformedJson,
                      "The body is not valid JSON: " + ec.message() + ".");
  if (!v.is_object()) {
    return Error{ErrorCode::kValidationFailed,
                 "The body must be a JSON object.",
                 {{"", "expected an object"}}};
  }
  return std::move(v.as_object());
}

std::string serialize(const boost::json::value& v) {
  return boost::json::serialize(v);
}

void escape_to(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
}

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  escape_to(out, s);
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

namespace {

std::string refused_message(char32_t c) {
  if (c == U'\uFFFD') return "must be valid UTF-8";
  const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
  const auto code = static_cast<std::uint32_t>(c);
  if (control) return fmt::format("must not contain control characters (U+{:04X})", code);
  return fmt::format("must not contain bidirectional formatting characters (U+{:04X})", code);
}

std::string_view trim(std::string_view s) {
  const auto ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}
}  // namespace

bool Reader::is_null(std::string_view field) const {
  const auto* v = o_.if_contains(field);
  return v && v->is_null();
}

void Reader::fail(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

std::optional<std::string> check_text(std::string& s, StringRule rule) {
  // libpq passes text parameters as C strings: a NUL would silently cut the value short on
  // PostgreSQL and not on SQLite. No field has a use for it.
  if (s.find('\0') != std::string::npos) return std::string("must not contain NUL characters");
  if (rule.trim) {
    const std::string_view t = trim(s);
    if (t.size() != s.size()) s = std::string(t);
  }
  if (const auto c = first_refused_char(s, rule.kind)) return refused_message(*c);
  const auto len = utf8_length(s);
  if (len < rule.min_chars || len > rule.max_chars)
    return rule.min_chars > 0
               ? fmt::format("must be {} to {} characters", rule.min_chars, rule.max_chars)
               : fmt::format("must be at most {} characters", rule.max_chars);
  return std::nullopt;
}

std::optional<std::string> Reader::read_string(std::string_view field, StringRule rule) {
  const auto* v = o_.if_contains(field);
  if (!v->is_string()) {
    fail(std::string(field), "must be a string");
    return std::nullopt;
  }
  std::string s(v->as_string());
  if (auto problem = check_text(s, rule)) {
    fail(std::string(field), std::move(*problem));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Reader::required_string(std::string_view field, StringRule rule) {
  if (!o_.contains(field) || o_.at(field).is_null()) {
    fail(std::string(field), "is required");
    return std::nullopt;
  }
  return read_string(field, rule);
}

std::optional<std::string> Reader::optional_string(std::string_view field, StringRule rule) {
  if (!o_.contains(field)) return std::nullopt;
  return read_string(field, rule);
}

std::optional<std::optional<GeoPoint>> Reader::optional_point(std::string_view field) {
  const auto* v = o_.if_contains(field);
  if (!v) return std::nullopt;
  if (v->is_null()) return std::optional<GeoPoint>{};
  const auto* obj = v->if_object();
  const auto* lat = obj ? obj->if_contains("lat") : nullptr;
  const auto* lng = obj ? obj->if_contains("lng") : nullptr;
  if (!lat || !lng || !lat->is_number() || !lng->is_number()) {
    fail(std::string(field), "must be an object {lat, lng} of numbers");
    return std::nullopt;
  }
  const GeoPoint p{lat->to_number<double>(), lng->to_number<double>()};
  if (!valid_point(p.lat, p.lng)) {
    fail(std::string(field), "lat must be in [-90, 90] and lng in [-180, 180]");
    return std::nullopt;
  }
  return std::optional<GeoPoint>{p};
}

std::optional<std::int64_t> Reader::optional_int(std::string_view field, std::int64_t min,
                                                 std::int64_t max) {
  const auto* v = o_.if_contains(field);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else {
    fail(std::string(field), "must be an integer");
    return std::nullopt;
  }
  if (n < min || n > max) {
    fail(std::string(field), fmt::format("must be between {} and {}", min, max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::int64_t> Reader::required_int(std::string_view field, std::int64_t min,
                                                 std::int64_t max) {
  if (!o_.contains(field) || o_.at(field).is_null()) {
    fail(std::string(field), "is required");
    return std::nullopt;
  }
  return optional_int(field, min, max);
}

std::optional<bool> Reader::optional_bool(std::string_view field) {
  const auto* v = o_.if_contains(field);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    fail(std::string(field), "must be true or false");
    return std::nullopt;
  }
  return v->as_bool();
}

Status Reader::finish() const {
  if (errors_.empty()) return Ok{};
  return Error{ErrorCode::kValidationFailed, "The request is invalid.", errors_};
}

}  // namespace gd::json
