// Password rules and Argon2id hashing on a bounded pool of threads, so that a login storm
// queues (or is refused with 503) instead of starving the I/O threads or exhausting memory.
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/async.hpp"
#include "core/background_pool.hpp"
#include "core/result.hpp"

namespace gd::auth {

struct HashOptions {
  std::size_t threads = 1;           // hashing threads in all
  std::size_t normal_threads = 1;    // of them at the I/O threads' priority; the rest at `nice`
  int nice = 10;                     // nice level of the threads beyond normal_threads
  std::size_t max_pending = 256;     // queued + running; beyond this: 503
  unsigned long long ops_limit = 2;  // OWASP: t=2, m=19 MiB, p=1
  std::size_t mem_limit_bytes = 19u * 1024 * 1024;
};

// Rule check: 8..128 characters (code points) as typed, not among the 10,000 most common.
std::optional<std::string> password_problem(std::string_view password);

// Argon2id hash in libsodium's encoded form; blocks for tens of milliseconds.
std::string hash_password_blocking(std::string_view password, const HashOptions& options);

class PasswordHasher {
 public:
  explicit PasswordHasher(HashOptions options);
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

  Task<Result<std::string>> hash(std::string password);
  // Verifies against `hash`, or against a fixed dummy hash when there is none, so that an
  // unknown email costs the same time as a wrong password.
  Task<Result<bool>> verify(std::optional<std::string> hash, std::string password);
  std::size_t pending() const { return pool_.pending(); }

 private:
  HashOptions options_;
  BackgroundPool pool_;
  std::string dummy_hash_;
};

}  // namespace gd::auth
