// Log line pieces: JSON text escaping, W3C traceparent parsing, audit lines.
#include "http/log.hpp"

#include <spdlog/spdlog.h>

#include "core/json.hpp"
#include "core/text.hpp"

namespace gd::http {
namespace {

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool all_zero(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

void append_log_text(std::string& out, std::string_view text) {
  // Most values (ids, paths, routes, user agents) are printable ASCII with nothing to escape.
  bool plain = true;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    plain = plain && u >= 0x20 && u < 0x7F && c != '"' && c != '\\';
  }
  if (plain) {
    out.append(text);
    return;
  }
  if (valid_utf8(text)) {
    json::escape_to(out, text);
    return;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) > 0x7F)
      out += "\\ufffd";
    else
      json::escape_to(out, std::string_view(&c, 1));
  }
}

std::optional<std::string> trace_id_of(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  constexpr std::size_t kLength = 55;
  if (h.size() < kLength || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const auto version = h.substr(0, 2), trace = h.substr(3, 32), parent = h.substr(36, 16),
             flags = h.substr(53, 2);
  if (!lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" ? h.size() != kLength : (h.size() > kLength && h[kLength] != '-'))
    return std::nullopt;
  if (!lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) return std::nullopt;
  if (all_zero(trace) || all_zero(parent)) return std::nullopt;
  return std::string(trace);
}

std::string audit_fields(std::string_view action, std::string_view admin_id,
                         std::string_view target_id, std::string_view request_id) {
  std::string out = R"({"action":")";
  append_log_text(out, action);
  out += R"(","adminId":")";
  append_log_text(out, admin_id);
  out += R"(","targetId":")";
  append_log_text(out, target_id);
  out += R"(","requestId":")";
  append_log_text(out, request_id);
  out += "\"}";
  return out;
}

void audit(const Request& req, std::string_view action, std::string_view target_id) {
  const std::string_view admin = req.principal ? std::string_view(req.principal->user_id) : "";
  const auto line = audit_fields(action, admin, target_id, req.request_id);
  if (auto logger = spdlog::get("audit"))
    logger->info("{}", line);
  else
    spdlog::info("audit {}", line);
}

}  // namespace gd::http
