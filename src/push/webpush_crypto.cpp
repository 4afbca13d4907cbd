// RFC 8291 encryption on OpenSSL 3 (ECDH, HKDF, AES-128-GCM through EVP).
#include "push/webpush_crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

#include "push/jose.hpp"

namespace gd::push {
namespace {

constexpr std::uint32_t kRecordSize = 4096;

void need(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("Web Push encryption: ") + what);
}

std::string ecdh(EVP_PKEY* own, EVP_PKEY* peer) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr), EVP_PKEY_CTX_free);
  std::size_t len = 0;
  need(ctx && EVP_PKEY_derive_init(ctx.get()) == 1 &&
           EVP_PKEY_derive_set_peer(ctx.get(), peer) == 1 &&
           EVP_PKEY_derive(ctx.get(), nullptr, &len) == 1,
       "ECDH");
  std::string secret(len, '\0');
  need(EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &len) == 1,
       "ECDH");
  secret.resize(len);
  return secret;
}

std::string hkdf(std::string_view salt, std::string_view ikm, std::string_view info,
                 std::size_t length) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr),
                                                        EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(
      kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr, EVP_KDF_CTX_free);
  need(ctx != nullptr, "HKDF");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(length, '\0');
  need(EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), length, params) == 1,
       "HKDF");
  return out;
}

std::string aes128gcm(std::string_view key, std::string_view nonce, std::string_view plain) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  need(ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
           EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, k, iv) == 1,
       "AES-GCM");
  std::string out(plain.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int fin = 0;
  need(EVP_EncryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                         static_cast<int>(plain.size())) == 1 &&
           EVP_EncryptFinal_ex(ctx.get(), o + len, &fin) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, o + len + fin) == 1,
       "AES-GCM");
  out.resize(static_cast<std::size_t>(len + fin) + 16);
  return out;
}

}  // namespace

std::string encrypt_aes128gcm(std::string_view plaintext, std::string_view ua_public,
                              std::string_view auth_secret,
                              const std::optional<WebPushFixedKeys>& fixed) {
  if (plaintext.size() > kMaxWebPushPlaintext)
    throw std::invalid_argument("Web Push payload too large");
  Pkey peer = p256_public_key(ua_public);
  if (!peer || auth_secret.size() != 16)
    throw std::invalid_argument("not a Web Push subscription key");
  std::string salt(16, '\0');
  Pkey own;
  if (fixed) {
    salt = fixed->salt;
    own = p256_private_key(fixed->sender_private, fixed->sender_public);
  } else {
    need(RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 16) == 1, "random salt");
    own = p256_generate();
  }
  need(own != nullptr && salt.size() == 16, "sender key");
  const std::string as_public = p256_point(own.get());

  // RFC 8291 §3.3-3.4: IKM from the ECDH secret keyed by the auth secret, then CEK and nonce.
  const std::string key_info =
      std::string("WebPush: info") + '\0' + std::string(ua_public) + as_public;
  const std::string ikm = hkdf(auth_secret, ecdh(own.get(), peer.get()), key_info, 32);
  const std::string cek = hkdf(salt, ikm, std::string("Content-Encoding: aes128gcm") + '\0', 16);
  const std::string nonce = hkdf(salt, ikm, std::string("Content-Encoding: nonce") + '\0', 12);

  // RFC 8188 §2.1 header: salt, record size (big-endian), key id length, key id.
  std::string body = salt;
  for (int shift = 24; shift >= 0; shift -= 8)
    body.push_back(static_cast<char>((kRecordSize >> shift) & 0xff));
  body.push_back(static_cast<char>(as_public.size()));
  body += as_public;
  // One record, the last: the plaintext, then the delimiter 0x02, no padding.
  body += aes128gcm(cek, nonce, std::string(plaintext) + '\x02');
  return body;
}

}  // namespace gd::push
