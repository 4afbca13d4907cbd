// Log sinks that write whole lines with one write(2) each time, so that stdout and stderr
// sent to one file never cut each other's lines in two (stdio flushed the access log when
// its buffer was full, in the middle of a line).
#pragma once
#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <mutex>
#include <string>

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

// The process's two loggers (application lines on stderr, access lines on stdout), both
// writing whole lines; `level` is an spdlog level name.
void setup_logging(const std::string& level);

}  // namespace gd::app
