// JOSE on OpenSSL 3: base64url, JWT signing (ES256, RS256) and P-256 keys as raw points.
#include "push/jose.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace gd::push {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64_value(char c) {
  if (c == '+') return 62;
  if (c == '/') return 63;
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

bool is_p256(EVP_PKEY* key) {
  std::array<char, 64> group{};
  std::size_t len = 0;
  return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                        &len) == 1 &&
         std::string_view(group.data(), len) == "prime256v1";
}

Pkey from_params(OSSL_PARAM_BLD* bld, int selection, const char* type = "EC") {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1)
    return nullptr;
  return Pkey(key);
}

}  // namespace

void PkeyFree::operator()(EVP_PKEY* k) const {
  EVP_PKEY_free(k);
}

std::string b64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

bool b64url_decode(std::string_view text, std::string& out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = b64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return bits < 6;  // a lone trailing character carries no whole byte
}

JwtSigner JwtSigner::from_pem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!raw) throw std::invalid_argument("not a PEM private key");
  return JwtSigner(Pkey(raw));
}

JwtSigner::JwtSigner(Pkey key) : key_(key.release(), PkeyFree{}) {
  if (EVP_PKEY_is_a(key_.get(), "EC")) {
    if (!is_p256(key_.get())) throw std::invalid_argument("an EC signing key must be on P-256");
    es256_ = true;
  } else if (!EVP_PKEY_is_a(key_.get(), "RSA")) {
    throw std::invalid_argument("a signing key must be P-256 (ES256) or RSA (RS256)");
  }
}

std::string JwtSigner::sign(boost::json::object header, const boost::json::object& claims) const {
  header["alg"] = alg();
  std::string input =
      b64url(boost::json::serialize(header)) + "." + b64url(boost::json::serialize(claims));
  const std::string sig = signature(input);
  return input + "." + b64url(sig);
}

std::string JwtSigner::signature(std::string_view input) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1)
    throw std::runtime_error("JWT signing failed");
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("JWT signing failed");
  der.resize(len);
  if (!es256_) return der;
  // ECDSA signs DER (SEQUENCE of r, s); JWS wants r and s as 32 bytes each.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw std::runtime_error("JWT signing failed");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32)
    throw std::runtime_error("JWT signing failed");
  return raw;
}

std::string JwtSigner::public_point() const {
  return es256_ ? p256_point(key_.get()) : std::string();
}

Pkey rsa_public_key(std::string_view n, std::string_view e) {
  const auto bn = [](std::string_view bytes) {
    return bytes.empty() ? nullptr
                         : Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()), nullptr));
  };
  Bn n_bn = bn(n), e_bn = bn(e);
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!n_bn || !e_bn || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1)
    return nullptr;
  return from_params(bld.get(), EVP_PKEY_PUBLIC_KEY, "RSA");
}

bool rs256_verify(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx && EVP_PKEY_is_a(key, "RSA") &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

Pkey p256_public_key(std::string_view point) {
  if (point.size() != 65 || point[0] != 0x04) return nullptr;
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return nullptr;
  return from_params(bld.get(), EVP_PKEY_PUBLIC_KEY);
}

Pkey p256_private_key(std::string_view scalar, std::string_view point) {
  if (scalar.size() != 32 || point.size() != 65) return nullptr;
  Bn d(BN_bin2bn(reinterpret_cast<const unsigned char*>(scalar.data()), 32, nullptr));
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!d || !bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return nullptr;
  return from_params(bld.get(), EVP_PKEY_KEYPAIR);
}

Pkey p256_generate() {
  return Pkey(EVP_EC_gen("P-256"));
}

std::string p256_point(EVP_PKEY* key) {
  std::string out(65, '\0');
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
                                      reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                      &len) != 1 ||
      len != 65)
    throw std::runtime_error("cannot read the public point of a P-256 key");
  return out;
}

}  // namespace gd::push
