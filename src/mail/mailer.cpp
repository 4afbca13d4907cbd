// The log transport and the RFC 5322 rendering shared by every transport.
#include "mail/mailer.hpp"

#include <spdlog/spdlog.h>

#include <sodium.h>

#include <ctime>

namespace gd::mail {

std::string_view outcome_name(SendResult::Kind k) {
  switch (k) {
    case SendResult::Kind::kSent:
      return "sent";
    case SendResult::Kind::kRetry:
      return "retry";
    case SendResult::Kind::kFailed:
      return "failed";
  }
  return "failed";
}

Task<SendResult> LogMailer::send(Message m) {
  // At warning level, so that it is seen at every level an operator might run at: without a
  // mail server this log line is the only way the link reaches anyone.
  // One log line, like every other (its line breaks written as \n): a log reader must never
  // see a line that is not a whole entry.
  std::string text;
  for (char c : m.text) {
    if (c == '\n')
      text += "\\n";
    else if (c != '\r')
      text += c;
  }
  spdlog::warn("mail (no --smtp-url: written here instead of sent) to <{}>, subject \"{}\": {}",
               m.to, m.subject, text);
  co_return SendResult::sent();
}

std::string base64_lines(std::string_view bytes) {
  std::string b64(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(b64.size() - 1);  // the terminating NUL
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 76) {
    if (i) out += "\r\n";
    out += b64.substr(i, 76);
  }
  return out;
}

std::string rfc5322_date(std::int64_t epoch_ms) {
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string envelope_address(std::string_view from) {
  const auto open = from.rfind('<');
  const auto close = from.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open)
    from = from.substr(open + 1, close - open - 1);
  const auto b = from.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return std::string(from.substr(b, from.find_last_not_of(" \t") - b + 1));
}

namespace {

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// RFC 2047: one encoded word per chunk of whole UTF-8 characters, so no word splits one.
std::string encoded_subject(std::string_view s) {
  if (ascii(s)) return std::string(s);
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = std::min(s.size(), i + 39);  // 52 base64 characters: lines within 78
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    std::string b64(sodium_base64_ENCODED_LEN(end - i, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(s.data() + i),
                      end - i, sodium_base64_VARIANT_ORIGINAL);
    b64.resize(b64.size() - 1);
    out += (out.empty() ? "" : "\r\n ") + ("=?UTF-8?B?" + b64 + "?=");
    i = end;
  }
  return out;
}

std::string part(std::string_view boundary, std::string_view type, std::string_view body) {
  return "--" + std::string(boundary) + "\r\nContent-Type: " + std::string(type) +
         "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_lines(body) +
         "\r\n";
}

}  // namespace

std::string to_rfc5322(const Message& m, std::string_view from, std::int64_t date_ms,
                       std::string_view message_id) {
  const std::string sender = envelope_address(from);
  const auto at = sender.find('@');
  const std::string domain = at == std::string::npos ? "localhost" : sender.substr(at + 1);
  const std::string boundary = "=_gd_" + std::string(message_id);
  std::string out;
  out += "Date: " + rfc5322_date(date_ms) + "\r\n";
  out += "From: " + std::string(from) + "\r\n";
  out += "To: <" + m.to + ">\r\n";
  out += "Subject: " + encoded_subject(m.subject) + "\r\n";
  out += "Message-ID: <" + std::string(message_id) + "@" + domain + ">\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
  out += part(boundary, "text/plain", m.text);
  out += part(boundary, "text/html", m.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace gd::mail
