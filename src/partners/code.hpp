// Discount codes and partner API keys: generation, the forms people type and the forms we
// store. Pure functions, no I/O.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace gd::partners {

// Crockford's base32 alphabet: digits and capitals without I, L, O and U, so nothing reads
// as another character and no word is spelt by accident.
inline constexpr std::string_view kCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
inline constexpr std::size_t kCodeLength = 12;  // 60 random bits

// A fresh code in its stored form: 12 characters of kCodeAlphabet from the CSPRNG.
std::string new_discount_code();
// The form shown to people: groups of four joined by hyphens ("7KQ2-M9XD-4HBW").
std::string display_code(std::string_view stored);
// What someone typed to the stored form: case, spaces and hyphens ignored, O read as 0, I
// and L as 1. nullopt when it cannot be a code.
std::optional<std::string> normalize_code(std::string_view typed);

inline constexpr std::string_view kApiKeyPrefix = "gdp_";
inline constexpr std::size_t kApiKeyShownPrefix = 12;  // "gdp_" and 8 characters

struct NewApiKey {
  std::string key;     // shown once to the admin who issued it
  std::string hash;    // hex SHA-256, the only form stored
  std::string prefix;  // the first characters, to tell keys apart in lists
};
// "gdp_" + 256 random bits in base64url.
NewApiKey new_api_key();
std::string api_key_hash(std::string_view key);

}  // namespace gd::partners
