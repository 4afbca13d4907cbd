// Web Push message encryption, RFC 8291 (`aes128gcm` content coding of RFC 8188): an
// ephemeral P-256 key agreed with the subscription's key, HKDF-SHA-256 with its auth secret,
// one AES-128-GCM record.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace gd::push {

// Fixed inputs instead of fresh random ones: for the RFC 8291 Appendix A test vector only.
struct WebPushFixedKeys {
  std::string salt;            // 16 bytes
  std::string sender_private;  // 32-byte scalar of the ephemeral key
  std::string sender_public;   // its 65-byte uncompressed point
};

// The request body for the push service: header (salt, record size, sender key) and the one
// encrypted record. `ua_public` is the subscription's p256dh (65 bytes), `auth_secret` its
// auth (16 bytes). Throws std::invalid_argument when the subscription's key is not a P-256
// point; the plaintext must fit one 4096-byte record.
std::string encrypt_aes128gcm(std::string_view plaintext, std::string_view ua_public,
                              std::string_view auth_secret,
                              const std::optional<WebPushFixedKeys>& fixed = std::nullopt);

// Largest plaintext that fits one record (4096 bytes less the delimiter and the GCM tag).
inline constexpr std::size_t kMaxWebPushPlaintext = 4096 - 16 - 1;

}  // namespace gd::push
