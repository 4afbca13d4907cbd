// SigV4 by hand on OpenSSL's EVP digest and MAC APIs; why not an SDK: docs/architecture.md,
// "Media on S3-compatible storage".
#include "media/sigv4.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

namespace gd::media::sigv4 {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  using Mac = std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)>;
  using Ctx = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;
  static const Mac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free);
  if (!mac) throw std::runtime_error("HMAC unavailable");
  Ctx ctx(EVP_MAC_CTX_new(mac.get()), &EVP_MAC_CTX_free);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!ctx ||
      EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Leading and trailing blanks go, and each run of spaces inside becomes one.
std::string trim_value(std::string_view v) {
  std::string out;
  bool blank = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

// Lowercased names, sorted; repeated names joined with commas in their order of appearance.
std::vector<std::pair<std::string, std::string>> canonical_headers(const Request& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : request.headers) {
    auto key = lower(name);
    auto it =
        std::find_if(out.begin(), out.end(), [&key](const auto& h) { return h.first == key; });
    if (it == out.end())
      out.emplace_back(std::move(key), trim_value(value));
    else
      it->second += "," + trim_value(value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 15]);
    }
  }
  return out;
}

std::string encode_path(std::string_view path) {
  return path.empty() ? "/" : uri_encode(path, true);
}

std::string sha256_hex(std::string_view data) {
  return hex(sha256(data));
}

std::string signed_headers(const Request& request) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(request))
    out += (out.empty() ? "" : ";") + name;
  return out;
}

std::string canonical_request(const Request& request) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : request.query)
    query.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(query.begin(), query.end());
  std::string out = request.method + "\n" + encode_path(request.path) + "\n";
  for (std::size_t i = 0; i < query.size(); ++i)
    out += (i ? "&" : "") + query[i].first + "=" + query[i].second;
  out += "\n";
  for (const auto& [name, value] : canonical_headers(request)) out += name + ":" + value + "\n";
  out += "\n" + signed_headers(request) + "\n" + request.payload_sha256_hex;
  return out;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope.text() + "\n" +
         sha256_hex(canonical);
}

std::string signature(std::string_view secret_access_key, const Scope& scope,
                      std::string_view string_to_sign) {
  const auto k_date = hmac_sha256("AWS4" + std::string(secret_access_key), scope.date);
  const auto k_region = hmac_sha256(k_date, scope.region);
  const auto k_service = hmac_sha256(k_region, scope.service);
  const auto k_signing = hmac_sha256(k_service, "aws4_request");
  return hex(hmac_sha256(k_signing, string_to_sign));
}

std::string sign(Request& request, const Credentials& credentials, std::string_view region,
                 std::string_view service, std::string_view amz_date) {
  if (amz_date.size() != 16 || amz_date[8] != 'T' || amz_date[15] != 'Z')
    throw std::invalid_argument("x-amz-date must be YYYYMMDDTHHMMSSZ");
  request.headers.emplace_back("X-Amz-Date", std::string(amz_date));
  if (!credentials.session_token.empty())
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  const Scope scope{std::string(amz_date.substr(0, 8)), std::string(region), std::string(service)};
  const auto sts = string_to_sign(amz_date, scope, canonical_request(request));
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope.text() +
         ", SignedHeaders=" + signed_headers(request) +
         ", Signature=" + signature(credentials.secret_access_key, scope, sts);
}

}  // namespace gd::media::sigv4
