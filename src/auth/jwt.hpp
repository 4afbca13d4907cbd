// Access tokens: compact JWTs signed with HMAC-SHA256. The algorithm is pinned (the header's
// alg must be HS256), exp/iss/aud are checked, and a key id selects the verification key so
// that keys can be rotated: the first key signs, all listed keys verify.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "core/role.hpp"

namespace gd::auth {

struct SigningKey {
  std::string kid;
  std::string secret;  // raw bytes, at least 32
};

struct AccessClaims {
  std::string subject;     // user id
  std::string session_id;  // sid
  Roles roles;
  std::int64_t issued_at_s = 0;
  std::int64_t expires_at_s = 0;
};

class TokenSigner {
 public:
  TokenSigner(std::vector<SigningKey> keys, std::string issuer, std::string audience);
  std::string sign(const AccessClaims& claims) const;
  // TOKEN_INVALID or TOKEN_EXPIRED on failure.
  Result<AccessClaims> verify(std::string_view token, std::int64_t now_s) const;

 private:
  const SigningKey* find_key(std::string_view kid) const;
  std::vector<SigningKey> keys_;
  std::string issuer_;
  std::string audience_;
  std::string header_b64_;  // precomputed for the signing key
};

// A compact JWS taken apart: header and payload as JSON objects, the signed input
// ("header.payload") and the raw signature. Says nothing about the signature's validity: the
// caller checks it with the key the header names (our HS256 tokens, providers' RS256 ID
// tokens). Errors carry `code`.
struct JwsParts {
  boost::json::object header;
  boost::json::object payload;
  std::string_view signing_input;  // a view into the token
  std::string signature;
};
Result<JwsParts> decode_jws(std::string_view token, ErrorCode code);

std::string base64url(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace gd::auth
