// Sign-in with a provider: JWKS parsing (RSA keys from n/e, the keys left out), RS256
// verification against push's signer, every claim check, Cache-Control max-age, and the
// provider URL rule.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "auth/jwt.hpp"
#include "oauth/id_token.hpp"
#include "oauth/oauth_config.hpp"
#include "push/jose.hpp"

namespace gd::oauth {
namespace {

std::string bn_b64(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return auth::base64url(bytes);
}

boost::json::object jwk(EVP_PKEY* key, std::string kid) {
  return {{"kty", "RSA"},
          {"kid", std::move(kid)},
          {"use", "sig"},
          {"alg", "RS256"},
          {"n", bn_b64(key, OSSL_PKEY_PARAM_RSA_N)},
          {"e", bn_b64(key, OSSL_PKEY_PARAM_RSA_E)}};
}

std::string jwks(std::initializer_list<boost::json::object> keys) {
  boost::json::array arr;
  for (const auto& k : keys) arr.push_back(k);
  return boost::json::serialize(boost::json::object{{"keys", std::move(arr)}});
}

struct Signer {
  push::JwtSigner signer{push::Pkey(EVP_RSA_gen(2048))};
  std::string token(const boost::json::object& claims, std::string kid = "k1") const {
    return signer.sign(boost::json::object{{"kid", std::move(kid)}}, claims);
  }
};

TEST(OAuthJwks, ReadsRsaKeysAndLeavesOutTheRest) {
  Signer a;
  push::Pkey small(EVP_RSA_gen(1024));
  auto enc = jwk(a.signer.key(), "enc");
  enc["use"] = "enc";
  auto rs512 = jwk(a.signer.key(), "rs512");
  rs512["alg"] = "RS512";
  auto nokid = jwk(a.signer.key(), "");
  const auto set = parse_jwks(jwks({jwk(a.signer.key(), "k1"),
                                    jwk(small.get(), "small"),
                                    enc,
                                    rs512,
                                    nokid,
                                    {{"kty", "EC"}, {"kid", "ec"}}}));
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->size(), 1u);
  EXPECT_TRUE(set->contains("k1"));
  EXPECT_FALSE(parse_jwks("{\"keys\": 1}").has_value());
  EXPECT_FALSE(parse_jwks("not json").has_value());
  EXPECT_TRUE(parse_jwks("{\"keys\": []}")->empty());
}

TEST(OAuthJwks, VerifiesRs256WithTheKeyFromItsJwk) {
  Signer a, b;
  const auto set = parse_jwks(jwks({jwk(a.signer.key(), "k1")}));
  const auto token = a.token({{"sub", "x"}});
  auto jws = auth::decode_jws(token, ErrorCode::kOauthTokenInvalid);
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(rs256_kid(jws->header).value(), "k1");
  EXPECT_TRUE(push::rs256_verify(set->at("k1").get(), jws->signing_input, jws->signature));
  auto flipped = jws->signature;
  flipped[5] ^= 1;
  EXPECT_FALSE(push::rs256_verify(set->at("k1").get(), jws->signing_input, flipped));
  const auto other_token = b.token({{"sub", "x"}});  // decode_jws's views point into it
  auto other = auth::decode_jws(other_token, ErrorCode::kOauthTokenInvalid);
  EXPECT_FALSE(push::rs256_verify(set->at("k1").get(), other->signing_input, other->signature));
}

TEST(OAuthJwks, OnlyRs256WithAKid) {
  EXPECT_FALSE(rs256_kid({{"alg", "none"}, {"kid", "k1"}}).ok());
  EXPECT_FALSE(rs256_kid({{"alg", "HS256"}, {"kid", "k1"}}).ok());
  EXPECT_FALSE(rs256_kid({{"alg", "RS256"}}).ok());
  EXPECT_EQ(rs256_kid({{"alg", "RS256"}, {"kid", ""}}).error().code, ErrorCode::kOauthTokenInvalid);
  EXPECT_EQ(rs256_kid({{"alg", "RS256"}, {"kid", "k1"}}).value(), "k1");
}

TEST(OAuthJwks, MaxAge) {
  EXPECT_EQ(max_age_s("public, max-age=300, must-revalidate"), 300);
  EXPECT_EQ(max_age_s("max-age=0"), 0);
  EXPECT_EQ(max_age_s("no-store"), 0);
  EXPECT_EQ(max_age_s("max-age=99999999"), 86'400);
  EXPECT_FALSE(max_age_s("s-maxage=10").has_value());
  EXPECT_FALSE(max_age_s("public, max-age=abc").has_value());
  EXPECT_FALSE(max_age_s("").has_value());
}

class OAuthClaims : public ::testing::Test {
 protected:
  std::vector<std::string> ids{"web", "app"};
  std::int64_t now = 1'800'000'000;
  Expectations expect(std::optional<std::string> nonce = std::nullopt) {
    return {{"https://issuer.test"}, &ids, std::move(nonce), now};
  }
  boost::json::object good() {
    return {{"iss", "https://issuer.test"},
            {"aud", "web"},
            {"sub", "123"},
            {"iat", now},
            {"exp", now + 600},
            {"email", "a@b.test"},
            {"email_verified", true},
            {"name", "Ada Lovelace"}};
  }
  bool refused(boost::json::object p, std::optional<std::string> nonce = std::nullopt) {
    auto r = check_claims(p, expect(std::move(nonce)));
    return !r.ok() && r.error().code == ErrorCode::kOauthTokenInvalid;
  }
};

TEST_F(OAuthClaims, AcceptsAGoodToken) {
  auto c = check_claims(good(), expect());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->subject, "123");
  EXPECT_EQ(c->email, "a@b.test");
  EXPECT_TRUE(c->email_verified);
  EXPECT_EQ(c->name, "Ada Lovelace");
}

TEST_F(OAuthClaims, RefusesEveryMismatch) {
  auto p = good();
  p["iss"] = "https://issuer.test/";
  EXPECT_TRUE(refused(p));
  p = good();
  p["aud"] = "someone-else";
  EXPECT_TRUE(refused(p));
  p = good();
  p["aud"] = boost::json::array{"web", "other"};
  EXPECT_TRUE(refused(p)) << "several audiences need azp";
  p["azp"] = "web";
  EXPECT_FALSE(refused(p));
  p = good();
  p["exp"] = now - 61;
  EXPECT_TRUE(refused(p));
  p["exp"] = now - 59;
  EXPECT_FALSE(refused(p)) << "within the skew";
  p = good();
  p["iat"] = now + 61;
  EXPECT_TRUE(refused(p));
  p = good();
  p.erase("exp");
  EXPECT_TRUE(refused(p));
  p = good();
  p["exp"] = "soon";
  EXPECT_TRUE(refused(p));
  p = good();
  p.erase("sub");
  EXPECT_TRUE(refused(p));
  p["sub"] = std::string(256, 'x');
  EXPECT_TRUE(refused(p));
}

TEST_F(OAuthClaims, NonceRawOrItsSha256Hex) {
  auto p = good();
  p["nonce"] = "n-1";
  EXPECT_FALSE(refused(p, "n-1"));
  EXPECT_TRUE(refused(p, "n-2"));
  p["nonce"] = sha256_hex("n-1");
  EXPECT_FALSE(refused(p, "n-1"));
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  p.erase("nonce");
  EXPECT_TRUE(refused(p, "n-1"));
  EXPECT_FALSE(refused(p)) << "no nonce asked";
}

TEST_F(OAuthClaims, EmailVerifiedAsBooleanOrApplesString) {
  auto p = good();
  for (const auto& [value, verified] :
       std::vector<std::pair<boost::json::value, bool>>{{true, true},
                                                        {false, false},
                                                        {"true", true},
                                                        {"false", false},
                                                        {1, false},
                                                        {"yes", false}}) {
    p["email_verified"] = value;
    EXPECT_EQ(check_claims(p, expect())->email_verified, verified) << value;
  }
  p.erase("email");
  p["email_verified"] = true;
  EXPECT_FALSE(check_claims(p, expect())->email_verified) << "no email, nothing verified";
}

TEST(OAuthConfig, ProviderUrlsAreHttpsExceptOnLoopback) {
  for (const char* ok : {"https://accounts.google.com", "https://appleid.apple.com/auth/keys",
                         "http://127.0.0.1:8080/jwks", "http://localhost/x", "http://[::1]:9/t",
                         "https://[2001:db8::1]/k"})
    EXPECT_NO_THROW(check_provider_url("--x", ok)) << ok;
  for (const char* bad : {"http://accounts.google.com", "http://127.0.0.1.evil.test/",
                          "http://10.0.0.1/", "ftp://127.0.0.1/", "", "accounts.google.com",
                          "https://user@accounts.google.com/", "http://127.0.0.1@evil.test/"})
    EXPECT_THROW(check_provider_url("--x", bad), std::invalid_argument) << bad;
}

TEST(OAuthConfig, AppleCodeFlowSettingsComeTogether) {
  OAuthConfig c;
  c.apple.client_ids = {"org.example"};
  EXPECT_NO_THROW(validate(c));
  c.apple.team_id = "TEAM";
  EXPECT_THROW(validate(c), std::invalid_argument);
  c.apple.key_id = "KEY";
  c.apple.private_key_file = "/k.p8";
  EXPECT_NO_THROW(validate(c));
  c.google.jwks_url = "http://example.com/certs";
  EXPECT_THROW(validate(c), std::invalid_argument);
}

}  // namespace
}  // namespace gd::oauth
