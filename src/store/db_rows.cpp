// The back-end independent result type.
#include <charconv>
#include <stdexcept>

#include "store/db.hpp"

namespace gd::db {

const std::optional<std::string>& Rows::cell(int r, int c) const {
  return rows_.at(static_cast<std::size_t>(r)).at(static_cast<std::size_t>(c));
}

std::string_view Rows::text(int r, int c) const {
  const auto& v = cell(r, c);
  return v ? std::string_view(*v) : std::string_view();
}

std::int64_t Rows::i64(int r, int c) const {
  const auto s = text(r, c);
  std::int64_t out = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p != s.data() + s.size())
    throw std::runtime_error("column " + std::to_string(c) +
                             " is not an integer: " + std::string(s));
  return out;
}

double Rows::f64(int r, int c) const {
  const auto s = text(r, c);
  double out = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc())
    throw std::runtime_error("column " + std::to_string(c) + " is not a number: " + std::string(s));
  return out;
}

bool Rows::boolean(int r, int c) const {
  const auto s = text(r, c);
  return s == "1" || s == "t" || s == "true";
}

}  // namespace gd::db
