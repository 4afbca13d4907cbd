// The failure path of GD_CHECK.
#include "core/check.hpp"

#include <cstdio>
#include <cstdlib>

namespace gd {

void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "invariant broken: %s at %s:%d\n", condition, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace gd
