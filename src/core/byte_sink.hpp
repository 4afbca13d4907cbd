// Where a large result is written in pieces as it is produced: a streamed HTTP response body
// (chunked transfer coding) or, in tests, a string. send() hands `chunk` on and leaves it
// empty; it waits while the reader is slow, which is what bounds the memory a large
// response takes. It throws when the reader is gone, ending the producer.
#pragma once
#include <string>

#include "core/async.hpp"

namespace gd {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Task<void> send(std::string& chunk) = 0;
};

// Collects everything sent into one string.
class StringSink final : public ByteSink {
 public:
  Task<void> send(std::string& chunk) override {
    out += chunk;
    chunk.clear();
    co_return;
  }
  std::string out;
};

}  // namespace gd
