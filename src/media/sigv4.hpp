// AWS Signature Version 4 (header signing) on OpenSSL 3: the canonical request, the string to
// sign and the Authorization header, as the AWS documentation defines them.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gd::media::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term keys
};

struct Scope {
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::string text() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// A request as it will be sent. `path` and `query` are not percent-encoded: the canonical
// request encodes them (each path segment once, as S3 wants; the URL must carry the same
// encoding, see encode_path). `headers` are every header to sign, in any order and case.
struct Request {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256_hex;  // of the body (the empty string's hash for none)
};

// Percent-encodes everything but A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash), uppercase hex.
std::string uri_encode(std::string_view text, bool keep_slash);
// The path as it goes into the URL and the canonical request: each segment uri_encoded.
std::string encode_path(std::string_view path);
std::string sha256_hex(std::string_view data);

std::string canonical_request(const Request& request);
// "host;x-amz-date;...": the lowercased names of the signed headers, sorted.
std::string signed_headers(const Request& request);
std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical);
// Hex HMAC-SHA256 of the string to sign under the key derived from the secret and the scope.
std::string signature(std::string_view secret_access_key, const Scope& scope,
                      std::string_view string_to_sign);

// Adds X-Amz-Date (amz_date: YYYYMMDDTHHMMSSZ) and, with a session token,
// X-Amz-Security-Token to the request's headers, and returns the Authorization value.
std::string sign(Request& request, const Credentials& credentials, std::string_view region,
                 std::string_view service, std::string_view amz_date);

}  // namespace gd::media::sigv4
