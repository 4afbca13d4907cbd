// JSON text written straight into one string, byte for byte as boost::json::serialize writes
// the same values: for responses of many rows (a geo search page), where building a
// boost::json::value tree first costs more than reading the rows.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gd::json {

// A quoted, escaped string.
void write_string(std::string& out, std::string_view s);
// A quoted string, or null.
void write_string_or_null(std::string& out, const std::optional<std::string>& s);
// A number as Boost.JSON writes a double (5.252E1) or an integer.
void write_double(std::string& out, double d);
void write_int(std::string& out, std::int64_t n);

}  // namespace gd::json
