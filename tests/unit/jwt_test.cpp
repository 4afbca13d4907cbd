// Access-token signing and verification: the algorithm is pinned to HS256, the key id picks
// the verification key, and iss/aud/exp are enforced.
#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using gd::Role;
using gd::Roles;
using gd::auth::AccessClaims;
using gd::auth::base64url;
using gd::auth::base64url_decode;
using gd::auth::SigningKey;
using gd::auth::TokenSigner;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kIssuer = "gooddeeds";
const std::string kAudience = "gooddeeds-api";

SigningKey key(std::string kid, char fill) {
  return {std::move(kid), std::string(32, fill)};
}

TokenSigner signer(std::vector<SigningKey> keys, std::string iss = kIssuer,
                   std::string aud = kAudience) {
  return TokenSigner(std::move(keys), std::move(iss), std::move(aud));
}

AccessClaims claims(std::int64_t exp = kNow + 900) {
  AccessClaims c;
  c.subject = "0190c0de-0000-7000-8000-000000000001";
  c.session_id = "0190c0de-0000-7000-8000-0000000000aa";
  c.roles = {Role::kUser, Role::kAdmin};
  c.issued_at_s = kNow - 10;
  c.expires_at_s = exp;
  return c;
}

std::string hmac(const std::string& secret, const std::string& data) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

// A token with an arbitrary header and payload, correctly HMAC-signed with `secret`, so that
// only the property under test is wrong.
std::string craft(const std::string& header_json, const std::string& payload_json,
                  const std::string& secret) {
  std::string t = base64url(header_json) + "." + base64url(payload_json);
  return t + "." + base64url(hmac(secret, t));
}

std::string good_payload() {
  return R"({"iss":"gooddeeds","aud":"gooddeeds-api","sub":"u1","sid":"s1","roles":["user"],)"
         R"("iat":1799999990,"exp":1800000900})";
}

struct Parts {
  std::string header, payload, sig;
};
Parts split(const std::string& token) {
  const auto d1 = token.find('.');
  const auto d2 = token.find('.', d1 + 1);
  return {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
}

std::string code_of(const gd::Result<AccessClaims>& r) {
  return r.ok() ? "OK" : std::string(gd::name(r.error().code));
}

TEST(Jwt, SignVerifyRoundTripKeepsClaims) {
  const auto s = signer({key("k1", 'a')});
  const auto token = s.sign(claims());
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  const auto r = s.verify(token, kNow);
  ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().detail;
  EXPECT_EQ(r->subject, claims().subject);
  EXPECT_EQ(r->session_id, claims().session_id);
  EXPECT_EQ(r->roles, (Roles{Role::kUser, Role::kAdmin}));
  EXPECT_EQ(r->issued_at_s, kNow - 10);
  EXPECT_EQ(r->expires_at_s, kNow + 900);
}

TEST(Jwt, HeaderPinsHs256AndNamesTheSigningKey) {
  const auto token = signer({key("k-current", 'a'), key("k-old", 'b')}).sign(claims());
  std::string header;
  ASSERT_TRUE(base64url_decode(split(token).header, header));
  EXPECT_NE(header.find(R"("alg":"HS256")"), std::string::npos) << header;
  EXPECT_NE(header.find(R"("kid":"k-current")"), std::string::npos) << header;
}

TEST(Jwt, ExpiredTokenIsTokenExpired) {
  const auto s = signer({key("k1", 'a')});
  EXPECT_EQ(code_of(s.verify(s.sign(claims(kNow - 1)), kNow)), "TOKEN_EXPIRED");
  // exp is exclusive: a token is dead at its expiry second.
  EXPECT_EQ(code_of(s.verify(s.sign(claims(kNow)), kNow)), "TOKEN_EXPIRED");
  EXPECT_EQ(code_of(s.verify(s.sign(claims(kNow + 1)), kNow)), "OK");
}

TEST(Jwt, RejectsAlgNone) {
  const auto s = signer({key("k1", 'a')});
  const auto p = split(s.sign(claims()));
  const std::string none = base64url(R"({"alg":"none","typ":"JWT","kid":"k1"})");
  EXPECT_EQ(code_of(s.verify(none + "." + p.payload + ".", kNow)), "TOKEN_INVALID");
  EXPECT_EQ(code_of(s.verify(none + "." + p.payload + "." + p.sig, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsRs256EvenWhenHmacSignedWithTheKey) {
  const auto k = key("k1", 'a');
  const auto s = signer({k});
  const auto t = craft(R"({"alg":"RS256","typ":"JWT","kid":"k1"})", good_payload(), k.secret);
  EXPECT_EQ(code_of(s.verify(t, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, CraftedHs256TokenIsAcceptedSoCraftingIsFaithful) {
  const auto k = key("k1", 'a');
  const auto t = craft(R"({"alg":"HS256","typ":"JWT","kid":"k1"})", good_payload(), k.secret);
  const auto r = signer({k}).verify(t, kNow);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->subject, "u1");
}

TEST(Jwt, RejectsMissingKid) {
  const auto k = key("k1", 'a');
  const auto t = craft(R"({"alg":"HS256","typ":"JWT"})", good_payload(), k.secret);
  EXPECT_EQ(code_of(signer({k}).verify(t, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsNonStringKid) {
  const auto k = key("k1", 'a');
  const auto t = craft(R"({"alg":"HS256","typ":"JWT","kid":1})", good_payload(), k.secret);
  EXPECT_EQ(code_of(signer({k}).verify(t, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsUnknownKid) {
  // Same secret, different key id: the kid must be listed.
  const auto token = signer({key("k9", 'a')}).sign(claims());
  EXPECT_EQ(code_of(signer({key("k1", 'a')}).verify(token, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsTamperedPayload) {
  const auto s = signer({key("k1", 'a')});
  const auto p = split(s.sign(claims()));
  std::string payload;
  ASSERT_TRUE(base64url_decode(p.payload, payload));
  const auto at = payload.find(R"("user")");
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, 6, R"("root")");
  EXPECT_EQ(code_of(s.verify(p.header + "." + base64url(payload) + "." + p.sig, kNow)),
            "TOKEN_INVALID");
}

TEST(Jwt, RejectsTamperedSignature) {
  const auto s = signer({key("k1", 'a')});
  const auto p = split(s.sign(claims()));
  std::string sig;
  ASSERT_TRUE(base64url_decode(p.sig, sig));
  ASSERT_EQ(sig.size(), 32u);
  sig[5] = static_cast<char>(sig[5] ^ 0x01);
  EXPECT_EQ(code_of(s.verify(p.header + "." + p.payload + "." + base64url(sig), kNow)),
            "TOKEN_INVALID");
  // A truncated signature is rejected too.
  sig.resize(16);
  EXPECT_EQ(code_of(s.verify(p.header + "." + p.payload + "." + base64url(sig), kNow)),
            "TOKEN_INVALID");
}

TEST(Jwt, RejectsSignatureFromAnotherSecret) {
  const auto token = signer({key("k1", 'b')}).sign(claims());
  EXPECT_EQ(code_of(signer({key("k1", 'a')}).verify(token, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsWrongIssuer) {
  const auto token = signer({key("k1", 'a')}, "someone-else").sign(claims());
  EXPECT_EQ(code_of(signer({key("k1", 'a')}).verify(token, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsWrongAudience) {
  const auto token = signer({key("k1", 'a')}, kIssuer, "another-api").sign(claims());
  EXPECT_EQ(code_of(signer({key("k1", 'a')}).verify(token, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsMissingRequiredClaims) {
  const auto k = key("k1", 'a');
  const std::string h = R"({"alg":"HS256","typ":"JWT","kid":"k1"})";
  const auto s = signer({k});
  EXPECT_EQ(code_of(s.verify(
                craft(h, R"({"iss":"gooddeeds","aud":"gooddeeds-api","sid":"s1","exp":1800000900})",
                      k.secret),
                kNow)),
            "TOKEN_INVALID");
  EXPECT_EQ(code_of(s.verify(
                craft(h, R"({"iss":"gooddeeds","aud":"gooddeeds-api","sub":"u1","exp":1800000900})",
                      k.secret),
                kNow)),
            "TOKEN_INVALID");
  EXPECT_EQ(
      code_of(s.verify(
          craft(h, R"({"iss":"gooddeeds","aud":"gooddeeds-api","sub":"u1","sid":"s1"})", k.secret),
          kNow)),
      "TOKEN_INVALID");
  // exp as a string is not an expiry.
  EXPECT_EQ(
      code_of(s.verify(
          craft(
              h,
              R"({"iss":"gooddeeds","aud":"gooddeeds-api","sub":"u1","sid":"s1","exp":"1800000900"})",
              k.secret),
          kNow)),
      "TOKEN_INVALID");
}

TEST(Jwt, RejectsNonJsonPayloadEvenWhenSigned) {
  const auto k = key("k1", 'a');
  const auto t = craft(R"({"alg":"HS256","typ":"JWT","kid":"k1"})", "not json", k.secret);
  EXPECT_EQ(code_of(signer({k}).verify(t, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsTwoPartToken) {
  const auto s = signer({key("k1", 'a')});
  const auto p = split(s.sign(claims()));
  EXPECT_EQ(code_of(s.verify(p.header + "." + p.payload, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsFourPartToken) {
  const auto s = signer({key("k1", 'a')});
  EXPECT_EQ(code_of(s.verify(s.sign(claims()) + ".x", kNow)), "TOKEN_INVALID");
}

TEST(Jwt, RejectsGarbage) {
  const auto s = signer({key("k1", 'a')});
  for (const std::string g :
       {"", ".", "..", "garbage", "a.b.c", "!!!.@@@.###", "e30.e30.", "Bearer x.y.z"})
    EXPECT_EQ(code_of(s.verify(g, kNow)), "TOKEN_INVALID") << "token: '" << g << "'";
}

TEST(Jwt, RejectsPaddedOrStandardBase64Segments) {
  const auto s = signer({key("k1", 'a')});
  const auto p = split(s.sign(claims()));
  EXPECT_EQ(code_of(s.verify(p.header + "=." + p.payload + "." + p.sig, kNow)), "TOKEN_INVALID");
  EXPECT_EQ(code_of(s.verify(p.header + "." + p.payload + "." + p.sig + "+", kNow)),
            "TOKEN_INVALID");
}

TEST(Jwt, KeyRotationOldKeyVerifiesWhileListedSecond) {
  const auto old_key = key("2025-01", 'o');
  const auto new_key = key("2025-02", 'n');
  const auto old_token = signer({old_key}).sign(claims());

  const auto rotated = signer({new_key, old_key});
  const auto r = rotated.verify(old_token, kNow);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->subject, claims().subject);

  // New tokens are signed with the first key, and verify without the old one.
  const auto new_token = rotated.sign(claims());
  std::string header;
  ASSERT_TRUE(base64url_decode(split(new_token).header, header));
  EXPECT_NE(header.find(R"("kid":"2025-02")"), std::string::npos) << header;
  EXPECT_TRUE(signer({new_key}).verify(new_token, kNow).ok());
  // ... and not by a verifier that knows only the old key.
  EXPECT_EQ(code_of(signer({old_key}).verify(new_token, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, KeyRotationOldKeyRejectedOnceRemoved) {
  const auto old_key = key("2025-01", 'o');
  const auto new_key = key("2025-02", 'n');
  const auto old_token = signer({old_key}).sign(claims());
  EXPECT_EQ(code_of(signer({new_key}).verify(old_token, kNow)), "TOKEN_INVALID");
}

TEST(Jwt, ConstructorRejectsNoKeysAndShortKeys) {
  EXPECT_THROW(signer({}), std::invalid_argument);
  EXPECT_THROW(signer({{"k1", std::string(31, 'a')}}), std::invalid_argument);
  EXPECT_THROW(signer({key("k1", 'a'), {"k0", "short"}}), std::invalid_argument);
  EXPECT_NO_THROW(signer({{"k1", std::string(32, 'a')}}));
}

TEST(Base64Url, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += (len < 8 ? 1 : 37)) {
    const auto in = all.substr(all.size() - len);
    const auto enc = base64url(in);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos) << enc;
    std::string out = "previous contents";
    ASSERT_TRUE(base64url_decode(enc, out)) << enc;
    EXPECT_EQ(out, in) << "length " << len;
  }
}

TEST(Base64Url, KnownVectorsWithoutPadding) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}

TEST(Base64Url, DecodeRejectsForeignAlphabetAndPadding) {
  std::string out;
  EXPECT_FALSE(base64url_decode("Zm9v+A", out));
  EXPECT_FALSE(base64url_decode("Zm9v/A", out));
  EXPECT_FALSE(base64url_decode("Zg==", out));
  EXPECT_FALSE(base64url_decode("Zm9v!", out));
  EXPECT_FALSE(base64url_decode("Z", out));  // a single character cannot encode a byte
}

}  // namespace

namespace {
TEST(Roles, AClosedListReadFromTextDropsNamesOutsideIt) {
  EXPECT_EQ(Roles::from_list("user,admin"), (Roles{Role::kUser, Role::kAdmin}));
  EXPECT_EQ(Roles::from_list("admin,,superuser,user"), (Roles{Role::kUser, Role::kAdmin}));
  EXPECT_TRUE(Roles::from_list("Admin, user").empty()) << "names are exact";
  EXPECT_EQ((Roles{Role::kAdmin, Role::kUser}).to_list(), "user,admin");
  EXPECT_EQ(Roles::from_list(Roles{Role::kPartner}.to_list()), Roles{Role::kPartner});
}
}  // namespace
