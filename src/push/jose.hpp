// JOSE pieces on OpenSSL 3, shared by the push adapters and sign-in with a provider:
// base64url, one JWT signer for ES256 (VAPID, APNs provider tokens, Apple's client secret)
// and RS256 (FCM service-account assertions), RS256 verification with RSA keys from JWKs
// (providers' ID tokens), and P-256 keys as raw points.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

typedef struct evp_pkey_st EVP_PKEY;

namespace gd::push {

std::string b64url(std::string_view bytes);
// Accepts base64url or standard base64, padded or not; false on any other character.
bool b64url_decode(std::string_view text, std::string& out);

struct PkeyFree {
  void operator()(EVP_PKEY* k) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A P-256 or RSA private key that signs JWTs: ES256 for EC keys (the signature is r || s, 64
// bytes, as JWS wants, not DER), RS256 for RSA keys.
class JwtSigner {
 public:
  // PEM ("BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY" or "BEGIN RSA PRIVATE KEY"). An EC key
  // must be on P-256. Throws std::invalid_argument otherwise (a configuration error).
  static JwtSigner from_pem(std::string_view pem);
  explicit JwtSigner(Pkey key);

  std::string_view alg() const { return es256_ ? "ES256" : "RS256"; }
  // header.claims.signature; `header` gets "alg" set (callers add "typ" or "kid").
  std::string sign(boost::json::object header, const boost::json::object& claims) const;
  // The uncompressed public point (65 bytes) of an EC key; "" for RSA.
  std::string public_point() const;
  EVP_PKEY* key() const { return key_.get(); }

 private:
  std::string signature(std::string_view input) const;
  std::shared_ptr<EVP_PKEY> key_;
  bool es256_ = false;
};

// An RSA public key from its modulus and public exponent as big-endian bytes (a JWK's n and
// e, base64url-decoded); null when they are not a key.
Pkey rsa_public_key(std::string_view n, std::string_view e);
// Whether `signature` is `key`'s RSASSA-PKCS1-v1_5 SHA-256 signature (JWS RS256) of `input`.
bool rs256_verify(EVP_PKEY* key, std::string_view input, std::string_view signature);

// P-256 keys from raw bytes: a public point (65 bytes, uncompressed) and, for a private
// key, the scalar (32 bytes) with its public point. Null when the bytes are not a key.
Pkey p256_public_key(std::string_view point);
Pkey p256_private_key(std::string_view scalar, std::string_view point);
Pkey p256_generate();
// The uncompressed public point of an EC key.
std::string p256_point(EVP_PKEY* key);

}  // namespace gd::push
