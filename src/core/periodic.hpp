// A background job that runs a step again and again on an executor until stopped: at once
// while the step says there is more to do, otherwise after a pause. A step that throws is
// logged and retried after the pause. stop() is safe from any thread and does not wait.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "core/async.hpp"

namespace gd {

class Periodic {
 public:
  // step() returns true when it should run again at once.
  Periodic(std::string name, std::chrono::milliseconds pause, std::function<Task<bool>()> step)
      : name_(std::move(name)), pause_(pause), step_(std::move(step)) {}
  ~Periodic() { stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  void start(boost::asio::any_io_executor ex);
  // Runs the next step now rather than after the pause (or right after the running one).
  // Safe from any thread once started.
  void wake();
  void stop();

 private:
  struct Loop;
  std::string name_;
  std::chrono::milliseconds pause_;
  std::function<Task<bool>()> step_;
  std::shared_ptr<Loop> loop_;
};

}  // namespace gd
