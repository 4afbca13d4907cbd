// Secrets handed to people (refresh tokens, API keys, links in mail) and how they are kept:
// 256 random bits from the CSPRNG, base64url without padding; stored only as SHA-256 hex.
// A fast hash is enough for them: there are no guessable bits to brute-force.
#pragma once
#include <string>
#include <string_view>

namespace gd {

std::string random_token();  // 32 bytes from the CSPRNG, base64url, 43 characters
std::string sha256_hex(std::string_view text);

}  // namespace gd
