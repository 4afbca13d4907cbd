// Log sinks that write whole lines with one write(2) each time, so that stdout and stderr
// sent to one file never cut each other's lines in two (stdio flushed the access log when
// its buffer was full, in the middle of a line), and the JSON line format of --log-format.
#pragma once
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace gd::app {

// Collects formatted lines and writes them to `fd` in one write(2) when the next line would
// take the batch past `batch_bytes`, and on flush (spdlog's flush_every). batch_bytes 0:
// each line at once.
class LineBatchSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LineBatchSink(int fd, std::size_t batch_bytes) : fd_(fd), batch_bytes_(batch_bytes) {}
  ~LineBatchSink() override;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void write_out();
  int fd_;
  std::size_t batch_bytes_;
  std::string batch_;
};

// --log-format: text (application lines as "<ts> <level> <message>") or json (one object
// per line). Access lines are JSON objects in both.
enum class LogFormat { kText, kJson };
std::optional<LogFormat> parse_log_format(std::string_view name);

// The --log-level names, as the help and the refusal of an unknown one list them.
inline constexpr std::array<std::string_view, 6> kLogLevels = {"trace", "debug", "info",
                                                               "warn",  "error", "off"};
bool valid_log_level(std::string_view name);

// One JSON object per line: {"ts","level","type","msg"[,"requestId"]}. An application
// message that starts with "request_id=<id> " (the convention of every line about a request)
// has that id as requestId and the rest as msg. With `object_payload` (audit lines) the
// message is itself a JSON object whose fields are added to the line.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  JsonLineFormatter(std::string type, bool object_payload)
      : type_(std::move(type)), object_payload_(object_payload) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  std::string type_;
  bool object_payload_;
};

// The process's loggers, all writing whole lines: application lines on stderr, audit lines
// ("audit", also on stderr) and access lines ("access", on stdout). `level` is one of
// kLogLevels. Access lines are written once `access_batch_bytes` have collected, and at
// least once a second.
void setup_logging(const std::string& level, LogFormat format = LogFormat::kText,
                   std::size_t access_batch_bytes = 64 * 1024);

}  // namespace gd::app
