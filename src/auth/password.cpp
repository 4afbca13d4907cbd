// Argon2id via libsodium (crypto_pwhash_str_alg), run off the I/O threads.
#include "auth/password.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include "core/embedded.hpp"
#include "core/json.hpp"

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
  Error e =
      make_error(ErrorCode::kServiceUnavailable, "Too many sign-ins at once; try again shortly.");
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

PasswordHasher::PasswordHasher(HashOptions options)
    : options_(options),
      pool_(std::min(options.normal_threads, options.threads),
            options.threads - std::min(options.normal_threads, options.threads), options.nice,
            options.max_pending) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  dummy_hash_ = hash_password_blocking("dummy password for timing equality", options_);
  (void)common_passwords();  // build the set at start-up, not on the first request
}

Task<Result<std::string>> PasswordHasher::hash(std::string password) {
  auto run = [this, pw = std::move(password)] { return hash_password_blocking(pw, options_); };
  auto hashed = co_await pool_.run(std::move(run));
  if (!hashed) co_return busy();
  co_return std::move(*hashed);
}

Task<Result<bool>> PasswordHasher::verify(std::optional<std::string> hash, std::string password) {
  const bool real = hash.has_value();
  auto run = [h = real ? std::move(*hash) : dummy_hash_, pw = std::move(password)] {
    return crypto_pwhash_str_verify(h.c_str(), pw.data(), pw.size()) == 0;
  };
  auto match = co_await pool_.run(std::move(run));
  if (!match) co_return busy();
  co_return Result<bool>(real && *match);
}

}  // namespace gd::auth
