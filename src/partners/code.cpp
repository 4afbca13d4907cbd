// Discount codes (Crockford base32) and partner API keys (SHA-256 stored).
#include "partners/code.hpp"

#include <sodium.h>

#include "core/secret.hpp"

namespace gd::partners {

std::string new_discount_code() {
  std::string out;
  out.reserve(kCodeLength);
  for (std::size_t i = 0; i < kCodeLength; ++i)
    out.push_back(
        kCodeAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kCodeAlphabet.size()))]);
  return out;
}

std::string display_code(std::string_view stored) {
  std::string out;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(stored[i]);
  }
  return out;
}

std::optional<std::string> normalize_code(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (kCodeAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != kCodeLength) return std::nullopt;
  return out;
}

NewApiKey new_api_key() {
  NewApiKey k;
  k.key = std::string(kApiKeyPrefix) + random_token();
  k.hash = api_key_hash(k.key);
  k.prefix = k.key.substr(0, kApiKeyShownPrefix);
  return k;
}

std::string api_key_hash(std::string_view key) {
  return sha256_hex(key);  // 256 random bits: nothing to brute-force
}

}  // namespace gd::partners
