// LineBatchSink: whole lines, one write(2) per batch.
#include "app/log_sinks.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

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

// Both logs write whole lines with one write(2) (app/log_sinks.hpp). The access log collects
// up to 64 KiB and is written once a second (and at exit) rather than a write(2) per request;
// the application log writes each line at once.
void setup_logging(const std::string& level) {
  auto err = std::make_shared<spdlog::logger>("gooddeeds", std::make_shared<LineBatchSink>(2, 0));
  err->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(err);
  auto access =
      std::make_shared<spdlog::logger>("access", std::make_shared<LineBatchSink>(1, 64 * 1024));
  access->set_pattern("%v");
  spdlog::register_logger(access);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace gd::app
