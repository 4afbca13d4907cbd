// LineBatchSink: whole lines, one write(2) per batch; JsonLineFormatter: --log-format json.
#include "app/log_sinks.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "http/log.hpp"

namespace gd::app {

LineBatchSink::~LineBatchSink() {
  std::lock_guard lock(mutex_);
  write_out();
}

void LineBatchSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  if (!batch_.empty() && batch_.size() + formatted.size() > batch_bytes_) write_out();
  batch_.append(formatted.data(), formatted.size());
  if (batch_.size() >= batch_bytes_) write_out();
}

void LineBatchSink::flush_() {
  write_out();
}

// One write(2) for the batch; a short write (a pipe, a full disk) is continued, and a failed
// one drops the batch: logging must never stop the server.
void LineBatchSink::write_out() {
  std::size_t done = 0;
  while (done < batch_.size()) {
    const auto n = ::write(fd_, batch_.data() + done, batch_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  batch_.clear();
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

bool valid_log_level(std::string_view name) {
  return std::find(kLogLevels.begin(), kLogLevels.end(), name) != kLogLevels.end();
}

namespace {

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    default:
      return "critical";
  }
}

// "request_id=<id> rest" -> {"<id>", "rest"}; otherwise {"", text}.
std::pair<std::string_view, std::string_view> split_request_id(std::string_view text) {
  constexpr std::string_view kKey = "request_id=";
  if (text.substr(0, kKey.size()) != kKey) return {{}, text};
  const auto end = text.find(' ', kKey.size());
  if (end == std::string_view::npos) return {text.substr(kKey.size()), {}};
  return {text.substr(kKey.size(), end - kKey.size()), text.substr(end + 1)};
}

}  // namespace

void JsonLineFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view payload(msg.payload.data(), msg.payload.size());
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  std::string line = R"({"ts":")" + iso8601_ms(ms) + R"(","level":")";
  line += level_name(msg.level);
  line += R"(","type":")" + type_ + R"(","msg":")";
  if (object_payload_ && payload.size() >= 2 && payload.front() == '{') {
    line += "admin action\",";  // the payload's fields follow, its '{' dropped
    line += payload.substr(1);
  } else {
    const auto [request_id, text] = split_request_id(payload);
    http::append_log_text(line, text);
    line += '"';
    if (!request_id.empty()) {
      line += R"(,"requestId":")";
      http::append_log_text(line, request_id);
      line += '"';
    }
    line += '}';
  }
  line += '\n';
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLineFormatter::clone() const {
  return std::make_unique<JsonLineFormatter>(type_, object_payload_);
}

// Every log writes whole lines with one write(2) (app/log_sinks.hpp). The access log collects
// up to --access-log-batch-bytes (64 KiB) and is written once a second (and at exit) rather
// than a write(2) per request;
// the application and audit logs write each line at once.
void setup_logging(const std::string& level, LogFormat format, std::size_t access_batch_bytes) {
  constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
  // A sink each: a logger's formatter is set on its sinks.
  auto err = std::make_shared<spdlog::logger>("gooddeeds", std::make_shared<LineBatchSink>(2, 0));
  auto audit = std::make_shared<spdlog::logger>("audit", std::make_shared<LineBatchSink>(2, 0));
  if (format == LogFormat::kJson) {
    err->set_formatter(std::make_unique<JsonLineFormatter>("app", false));
    audit->set_formatter(std::make_unique<JsonLineFormatter>("audit", true));
  } else {
    err->set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
    audit->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l audit %v", spdlog::pattern_time_type::utc);
  }
  spdlog::set_default_logger(err);
  spdlog::register_logger(audit);
  auto access = std::make_shared<spdlog::logger>(
      "access", std::make_shared<LineBatchSink>(1, access_batch_bytes));
  access->set_pattern("%v");
  spdlog::register_logger(access);
  spdlog::set_level(valid_log_level(level) ? spdlog::level::from_str(level) : spdlog::level::info);
  // Admin actions are recorded whatever --log-level says, unless logging is off.
  if (level != "off") audit->set_level(spdlog::level::info);
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace gd::app
