// Strings and doubles go through Boost.JSON's own serializer (into a stack buffer, no tree),
// so escaping and number format cannot drift from boost::json::serialize.
#include "core/json_writer.hpp"

#include <array>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>
#include <charconv>

namespace gd::json {
namespace {

void drain(std::string& out, boost::json::serializer& sr) {
  std::array<char, 512> buf;
  while (!sr.done()) out.append(sr.read(buf.data(), buf.size()));
}

}  // namespace

void write_string(std::string& out, std::string_view s) {
  boost::json::serializer sr;
  sr.reset(boost::json::string_view(s.data(), s.size()));
  drain(out, sr);
}

void write_string_or_null(std::string& out, const std::optional<std::string>& s) {
  if (s)
    write_string(out, *s);
  else
    out.append("null");
}

void write_double(std::string& out, double d) {
  boost::json::serializer sr;
  const boost::json::value v(d);
  sr.reset(&v);
  drain(out, sr);
}

void write_int(std::string& out, std::int64_t n) {
  std::array<char, 24> buf;
  const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), n).ptr;
  out.append(buf.data(), end);
}

}  // namespace gd::json
