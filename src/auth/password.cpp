// Argon2id via libsodium (crypto_pwhash_str_alg), run off the I/O threads.
#include "auth/password.hpp"

#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <latch>
#include <memory>
#include <stdexcept>
#include <unordered_set>

#include "core/embedded.hpp"
#include "core/json.hpp"
#include "core/offload.hpp"

namespace gd::auth {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const std::unordered_set<std::string>& common_passwords() {
  static const auto* set = [] {
    auto* s = new std::unordered_set<std::string>();
    for (const auto& f : embedded::files()) {
      if (f.name != "src/auth/common_passwords.txt") continue;
      std::string_view data = f.data;
      while (!data.empty()) {
        auto nl = data.find('\n');
        auto line = data.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) s->insert(lowercase(line));
        if (nl == std::string_view::npos) break;
        data.remove_prefix(nl + 1);
      }
    }
    return s;
  }();
  return *set;
}

Error busy() {
  Error e = make_error("SERVICE_UNAVAILABLE", "Too many sign-ins at once; try again shortly.");
  e.retry_after_s = 1;
  return e;
}

}  // namespace

std::optional<std::string> password_problem(std::string_view password) {
  const auto len = json::utf8_length(password);
  if (len < 8 || len > 128) return "must be 8 to 128 characters";
  if (common_passwords().count(lowercase(password))) return "is too common; choose another";
  return std::nullopt;
}

std::string hash_password_blocking(std::string_view pw, const HashOptions& options) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, pw.data(), pw.size(), options.ops_limit, options.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id: out of memory");
  return out;
}

// Hashing threads run at a lower CPU priority (nice 10) than the I/O threads, so a login
// storm slows logins, not every other request.
struct PasswordHasher::Pool {
  explicit Pool(std::size_t n) : threads(n) {
    // Shared: a thread may still be leaving arrive_and_wait() when the constructor returns.
    auto all_started = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
      // Each task waits for all the others, so every pool thread runs exactly one.
      boost::asio::post(threads, [all_started] {
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
        all_started->arrive_and_wait();
      });
    }
    all_started->wait();
  }
  boost::asio::thread_pool threads;
};

PasswordHasher::PasswordHasher(HashOptions options)
    : options_(options), pool_(std::make_unique<Pool>(std::max<std::size_t>(1, options.threads))) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  dummy_hash_ = hash_password_blocking("dummy password for timing equality", options_);
  (void)common_passwords();  // build the set at start-up, not on the first request
}

PasswordHasher::~PasswordHasher() {
  pool_->threads.join();
}

bool PasswordHasher::try_reserve() {
  auto n = pending_.load();
  do {
    if (n >= options_.max_pending) return false;
  } while (!pending_.compare_exchange_weak(n, n + 1));
  return true;
}

Task<Result<std::string>> PasswordHasher::hash(std::string password) {
  if (!try_reserve()) co_return busy();
  struct Release {
    std::atomic<std::size_t>& n;
    ~Release() { --n; }
  } release{pending_};
  auto run = [this, pw = std::move(password)] {
    return Result<std::string>(hash_password_blocking(pw, options_));
  };  // named: see the note on GCC 12 in store/sqlite_db.cpp
  co_return co_await offload(pool_->threads.get_executor(), std::move(run));
}

Task<Result<bool>> PasswordHasher::verify(std::optional<std::string> hash, std::string password) {
  if (!try_reserve()) co_return busy();
  struct Release {
    std::atomic<std::size_t>& n;
    ~Release() { --n; }
  } release{pending_};
  const bool real = hash.has_value();
  std::string h = real ? std::move(*hash) : dummy_hash_;
  auto run = [h = std::move(h), pw = std::move(password)] {
    return crypto_pwhash_str_verify(h.c_str(), pw.data(), pw.size()) == 0;
  };
  const bool match = co_await offload(pool_->threads.get_executor(), std::move(run));
  co_return Result<bool>(real && match);
}

}  // namespace gd::auth
