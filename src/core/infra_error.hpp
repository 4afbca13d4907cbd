// Infrastructure failures (exceptions, not values): the pipeline answers most with 500, but
// one that is temporary and says so (no database connection to be had in time, the database
// not ready yet) is answered with 503 SERVICE_UNAVAILABLE and Retry-After.
#pragma once
#include <stdexcept>
#include <string>

namespace gd {

class InfraError : public std::runtime_error {
 public:
  InfraError(bool temporary, const std::string& what)
      : std::runtime_error(what), temporary_(temporary) {}
  // Worth retrying after a short wait: nothing was done, or what was done was undone.
  bool temporary() const { return temporary_; }

 private:
  bool temporary_;
};

}  // namespace gd
