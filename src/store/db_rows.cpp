// The back-end independent result type.
#include <charconv>
#include <stdexcept>

#include "store/db.hpp"

namespace gd::db {

std::string placeholders(std::size_t first, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += (i ? ", $" : "$") + std::to_string(first + i);
  return s;
}

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

namespace {
class RowsView final : public RowView {
 public:
  RowsView(const Rows& rows, int r) : rows_(rows), r_(r) {}
  bool is_null(int c) const override { return rows_.is_null(r_, c); }
  std::string_view text(int c) const override { return rows_.text(r_, c); }
  std::int64_t i64(int c) const override { return rows_.i64(r_, c); }
  double f64(int c) const override { return rows_.f64(r_, c); }

 private:
  const Rows& rows_;
  int r_;
};
}  // namespace

Task<void> Database::scan(std::string sql, Params params, RowFn each) {
  const Rows rows = co_await read(std::move(sql), std::move(params));
  for (int r = 0; r < rows.size(); ++r)
    if (!each(RowsView(rows, r))) break;
}

bool Rows::boolean(int r, int c) const {
  const auto s = text(r, c);
  return s == "1" || s == "t" || s == "true";
}

}  // namespace gd::db
