// JWT encoding and verification with libsodium's HMAC-SHA256 and Boost.JSON.
#include "auth/jwt.hpp"

#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <stdexcept>

namespace gd::auth {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

Error invalid(std::string detail) {
  return make_error(ErrorCode::kTokenInvalid, std::move(detail));
}

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
  out.resize(text.size());
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return false;
  out.resize(len);
  return true;
}

TokenSigner::TokenSigner(std::vector<SigningKey> keys, std::string issuer, std::string audience)
    : keys_(std::move(keys)), issuer_(std::move(issuer)), audience_(std::move(audience)) {
  if (keys_.empty()) throw std::invalid_argument("at least one token signing key is required");
  for (const auto& k : keys_)
    if (k.secret.size() < 32)
      throw std::invalid_argument("token key " + k.kid + " is shorter than 32 bytes");
  boost::json::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", keys_.front().kid}};
  header_b64_ = base64url(boost::json::serialize(header));
}

const SigningKey* TokenSigner::find_key(std::string_view kid) const {
  for (const auto& k : keys_)
    if (k.kid == kid) return &k;
  return nullptr;
}

std::string TokenSigner::sign(const AccessClaims& c) const {
  boost::json::array roles;
  for (auto r : c.roles.names()) roles.emplace_back(r);
  boost::json::object payload{
      {"iss", issuer_},       {"aud", audience_},          {"sub", c.subject},
      {"sid", c.session_id},  {"roles", std::move(roles)}, {"iat", c.issued_at_s},
      {"exp", c.expires_at_s}};
  std::string token = header_b64_;
  token.push_back('.');
  token.append(base64url(boost::json::serialize(payload)));
  const std::string sig = base64url(hmac_sha256(keys_.front().secret, token));
  token.push_back('.');
  token.append(sig);
  return token;
}

Result<JwsParts> decode_jws(std::string_view token, ErrorCode code) {
  const auto d1 = token.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return make_error(code, "The token is not a JWT.");
  std::string header_json, payload_json;
  JwsParts out;
  if (!base64url_decode(token.substr(0, d1), header_json) ||
      !base64url_decode(token.substr(d1 + 1, d2 - d1 - 1), payload_json) ||
      !base64url_decode(token.substr(d2 + 1), out.signature))
    return make_error(code, "The token is not valid base64url.");
  boost::system::error_code ec;
  auto header = boost::json::parse(header_json, ec);
  if (ec || !header.is_object()) return make_error(code, "The token header is not JSON.");
  auto payload = boost::json::parse(payload_json, ec);
  if (ec || !payload.is_object()) return make_error(code, "The token payload is not JSON.");
  out.header = std::move(header.as_object());
  out.payload = std::move(payload.as_object());
  out.signing_input = token.substr(0, d2);
  return out;
}

Result<AccessClaims> TokenSigner::verify(std::string_view token, std::int64_t now_s) const {
  auto jws = decode_jws(token, ErrorCode::kTokenInvalid);
  if (!jws) return std::move(jws).error();
  const auto* alg = jws->header.if_contains("alg");
  const auto* kid = jws->header.if_contains("kid");
  if (!alg || !alg->is_string() || alg->as_string() != "HS256")
    return invalid("The token algorithm is not accepted.");
  const SigningKey* key = kid && kid->is_string() ? find_key(kid->as_string()) : nullptr;
  if (!key) return invalid("The token key is unknown.");
  const auto expected = hmac_sha256(key->secret, jws->signing_input);
  const auto& sig = jws->signature;
  if (sig.size() != expected.size() || sodium_memcmp(sig.data(), expected.data(), sig.size()) != 0)
    return invalid("The token signature is invalid.");
  const auto& p = jws->payload;
  const auto str = [&](std::string_view k) -> std::string {
    const auto* v = p.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  const auto num = [&](std::string_view k) -> std::int64_t {
    const auto* v = p.if_contains(k);
    return v && v->is_int64() ? v->as_int64() : 0;
  };
  if (str("iss") != issuer_ || str("aud") != audience_)
    return invalid("The token is not for this service.");
  AccessClaims c;
  c.subject = str("sub");
  c.session_id = str("sid");
  c.issued_at_s = num("iat");
  c.expires_at_s = num("exp");
  if (const auto* roles = p.if_contains("roles"); roles && roles->is_array())
    for (const auto& r : roles->as_array())
      if (r.is_string())
        if (auto role = parse_role(r.get_string())) c.roles.add(*role);
  if (c.subject.empty() || c.session_id.empty() || c.expires_at_s == 0)
    return invalid("The token lacks required claims.");
  if (c.expires_at_s <= now_s)
    return make_error(ErrorCode::kTokenExpired, "The access token has expired.");
  return c;
}

}  // namespace gd::auth
