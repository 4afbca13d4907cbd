// Invariants that stay checked in every build (release included): a broken one means the
// data would be wrong, so the process stops with the condition and where it failed rather
// than writing on. For programmer errors only, never for input.
#pragma once

namespace gd {

[[noreturn]] void check_failed(const char* condition, const char* file, int line);

}  // namespace gd

#define GD_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : ::gd::check_failed(#condition, __FILE__, __LINE__))
