// ID tokens of OpenID providers (Google, Apple), verified completely: RS256 only, a key of
// the provider's JWKS chosen by kid, iss, aud among the client ids, exp/iat with bounded
// clock skew, nonce (raw or its hex SHA-256), and the claims a sign-in needs.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "core/result.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace gd::oauth {

inline constexpr std::int64_t kClockSkewS = 60;

// A provider's signing keys by kid (RSA public keys; other kinds are left out).
using KeySet = std::unordered_map<std::string, std::shared_ptr<EVP_PKEY>>;
// {"keys": [...]} as a JWKS endpoint serves it. Keys that are not RSA, not for signatures,
// not RS256, or shorter than 2048 bits are skipped; nullopt when the document is not a JWKS.
std::optional<KeySet> parse_jwks(std::string_view body);
// Cache-Control's max-age in seconds, if the header has a usable one (no-store/no-cache: 0).
std::optional<std::int64_t> max_age_s(std::string_view cache_control);

struct IdClaims {
  std::string subject;
  std::optional<std::string> email;
  bool email_verified = false;  // a JSON boolean, or Apple's string "true"
  std::optional<std::string> name;
};

struct Expectations {
  std::vector<std::string> issuers;  // iss must be exactly one of these
  const std::vector<std::string>* client_ids = nullptr;
  std::optional<std::string> nonce;  // sent by the client: the claim is it or its hex SHA-256
  std::int64_t now_s = 0;
};

// The header's kid when alg is RS256 (the only algorithm taken), else OAUTH_TOKEN_INVALID.
Result<std::string> rs256_kid(const boost::json::object& header);
// Every claim check; OAUTH_TOKEN_INVALID with the reason in the detail.
Result<IdClaims> check_claims(const boost::json::object& payload, const Expectations& e);
std::string sha256_hex(std::string_view text);

}  // namespace gd::oauth
