// ID token checks: RSA keys from JWK (n, e) through push/jose (OpenSSL 3 EVP), claims.
#include "oauth/id_token.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <charconv>

#include "auth/jwt.hpp"
#include "push/jose.hpp"

namespace gd::oauth {
namespace {

constexpr int kMinRsaBits = 2048;

Error invalid(std::string detail) {
  return make_error(ErrorCode::kOauthTokenInvalid, std::move(detail));
}

std::string_view str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

std::shared_ptr<EVP_PKEY> rsa_public_key(std::string_view n_b64, std::string_view e_b64) {
  std::string n, e;
  if (!auth::base64url_decode(n_b64, n) || !auth::base64url_decode(e_b64, e)) return nullptr;
  std::shared_ptr<EVP_PKEY> key(push::rsa_public_key(n, e).release(), EVP_PKEY_free);
  if (!key || EVP_PKEY_get_bits(key.get()) < kMinRsaBits) return nullptr;
  return key;
}

// A NumericDate: an integer, or a number with a fraction (seconds).
std::optional<std::int64_t> numeric_date(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() < (1ull << 62))
    return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double() && v->as_double() > -1e15 && v->as_double() < 1e15)
    return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

bool audience_ok(const boost::json::object& p, const std::vector<std::string>& ids) {
  const auto known = [&ids](std::string_view a) {
    return std::find(ids.begin(), ids.end(), a) != ids.end();
  };
  const auto* aud = p.if_contains("aud");
  if (!aud) return false;
  if (aud->is_string()) return known(aud->as_string());
  if (!aud->is_array()) return false;
  // Several audiences: one must be ours, and the party it was issued to (azp) too.
  bool ours = false;
  for (const auto& a : aud->as_array()) ours = ours || (a.is_string() && known(a.as_string()));
  return ours && known(str(p, "azp"));
}

bool email_verified(const boost::json::object& p) {
  const auto* v = p.if_contains("email_verified");
  if (!v) return false;
  if (v->is_bool()) return v->as_bool();
  return v->is_string() && v->as_string() == "true";  // Apple sends "true"/"false"
}

}  // namespace

std::optional<KeySet> parse_jwks(std::string_view body) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  const auto* keys = !ec && doc.is_object() ? doc.as_object().if_contains("keys") : nullptr;
  if (!keys || !keys->is_array()) return std::nullopt;
  KeySet out;
  for (const auto& k : keys->as_array()) {
    if (!k.is_object()) continue;
    const auto& o = k.as_object();
    const auto kid = str(o, "kid");
    if (kid.empty() || str(o, "kty") != "RSA") continue;
    if (o.contains("use") && str(o, "use") != "sig") continue;
    if (o.contains("alg") && str(o, "alg") != "RS256") continue;
    if (auto key = rsa_public_key(str(o, "n"), str(o, "e"))) out.emplace(kid, std::move(key));
  }
  return out;
}

std::optional<std::int64_t> max_age_s(std::string_view cc) {
  if (cc.find("no-store") != std::string_view::npos ||
      cc.find("no-cache") != std::string_view::npos)
    return 0;
  for (std::size_t at = cc.find("max-age="); at != std::string_view::npos;
       at = cc.find("max-age=", at + 1)) {
    if (at > 0 && cc[at - 1] != ' ' && cc[at - 1] != ',') continue;  // not s-maxage etc.
    const auto digits = cc.substr(at + 8);
    std::int64_t v = 0;
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (err == std::errc() && end != digits.data() && v >= 0)
      return std::min<std::int64_t>(v, 86'400);
  }
  return std::nullopt;
}

Result<std::string> rs256_kid(const boost::json::object& header) {
  if (str(header, "alg") != "RS256") return invalid("The ID token's algorithm is not RS256.");
  const auto kid = str(header, "kid");
  if (kid.empty()) return invalid("The ID token names no key.");
  return std::string(kid);
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

Result<IdClaims> check_claims(const boost::json::object& p, const Expectations& e) {
  const auto iss = str(p, "iss");
  if (std::find(e.issuers.begin(), e.issuers.end(), iss) == e.issuers.end())
    return invalid("The ID token is from another issuer.");
  if (!e.client_ids || !audience_ok(p, *e.client_ids))
    return invalid("The ID token is for another client.");
  const auto exp = numeric_date(p, "exp");
  const auto iat = numeric_date(p, "iat");
  if (!exp || !iat) return invalid("The ID token lacks exp or iat.");
  if (*exp + kClockSkewS < e.now_s) return invalid("The ID token has expired.");
  if (*iat - kClockSkewS > e.now_s) return invalid("The ID token was issued in the future.");
  if (e.nonce) {
    const auto nonce = str(p, "nonce");
    if (nonce.empty() || (nonce != *e.nonce && nonce != sha256_hex(*e.nonce)))
      return invalid("The ID token's nonce does not match.");
  }
  IdClaims c;
  c.subject = str(p, "sub");
  if (c.subject.empty() || c.subject.size() > 255) return invalid("The ID token has no subject.");
  if (const auto email = str(p, "email"); !email.empty()) c.email = std::string(email);
  c.email_verified = c.email && email_verified(p);
  if (const auto name = str(p, "name"); !name.empty()) c.name = std::string(name);
  return c;
}

}  // namespace gd::oauth
