// Wall-clock helpers; the only place that formats or parses timestamps.
#include "core/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace gd {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days).
void civil_from_days(std::int64_t z, std::int64_t& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

void put_digits(char* p, unsigned v, int n) {
  for (int i = n - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
}

}  // namespace

// Written by hand, not with snprintf: a search page formats a hundred of these.
void append_iso8601_ms(std::string& out, std::int64_t epoch_ms) {
  std::int64_t secs = epoch_ms / 1000;
  std::int64_t ms = epoch_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  std::int64_t y = 0;
  int mo = 0, d = 0;
  civil_from_days(days, y, mo, d);
  if (y < 0 || y > 9999) {  // rare enough for snprintf; what %04d makes of the year
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), mo, d, static_cast<int>(sod / 3600),
                  static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
                  static_cast<int>(ms));
    out.append(buf);
    return;
  }
  char buf[] = "0000-00-00T00:00:00.000Z";
  put_digits(buf, static_cast<unsigned>(y), 4);
  put_digits(buf + 5, static_cast<unsigned>(mo), 2);
  put_digits(buf + 8, static_cast<unsigned>(d), 2);
  put_digits(buf + 11, static_cast<unsigned>(sod / 3600), 2);
  put_digits(buf + 14, static_cast<unsigned>(sod / 60 % 60), 2);
  put_digits(buf + 17, static_cast<unsigned>(sod % 60), 2);
  put_digits(buf + 20, static_cast<unsigned>(ms), 3);
  out.append(buf, sizeof buf - 1);
}

std::string iso8601_ms(std::int64_t epoch_ms) {
  std::string out;
  append_iso8601_ms(out, epoch_ms);
  return out;
}

namespace {

// Reads exactly `n` digits at s[pos]; -1 when they are not all digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

// Accepts YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z and nothing else: no offsets, no trailing text,
// every field in range.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const int h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 59)
    return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0)) return std::nullopt;
  std::size_t pos = 19;
  int ms = 0;
  if (s[pos] == '.') {
    std::size_t n = 0;
    int scale = 100;
    while (pos + 1 + n < s.size() && s[pos + 1 + n] >= '0' && s[pos + 1 + n] <= '9') {
      if (n < 3) ms += (s[pos + 1 + n] - '0') * scale;
      scale /= 10;
      ++n;
    }
    if (n == 0 || n > 9) return std::nullopt;
    pos += 1 + n;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

}  // namespace gd
