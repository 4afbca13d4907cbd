// Configuration of sign-in with Google and Apple: one ProviderConfig per provider (the
// provider is on when it has client ids), and the limits of the JWKS cache and of the calls
// to the providers. Filled from flags in app/config.cpp, checked by validate() at start-up.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.hpp"

namespace gd::oauth {

enum class Provider { kGoogle, kApple };
std::string_view provider_name(Provider p);  // "google" | "apple": the identities table's

struct ProviderConfig {
  std::vector<std::string> client_ids;  // the first is the web client (code flow, config.json)
  std::string client_secret;            // Google's code flow
  std::string team_id;                  // Apple's code flow: the client secret JWT's iss,
  std::string key_id;                   //   its kid,
  std::string private_key_file;         //   and the .p8 (PEM, P-256) that signs it
  std::string issuer;
  std::string jwks_url;
  std::string token_url;
  std::string auth_url;  // published in /config.json for the web app's redirect
  bool configured() const { return !client_ids.empty(); }
};

struct OAuthConfig {
  ProviderConfig google{.issuer = "https://accounts.google.com",
                        .jwks_url = "https://www.googleapis.com/oauth2/v3/certs",
                        .token_url = "https://oauth2.googleapis.com/token",
                        .auth_url = "https://accounts.google.com/o/oauth2/v2/auth"};
  ProviderConfig apple{.issuer = "https://appleid.apple.com",
                       .jwks_url = "https://appleid.apple.com/auth/keys",
                       .token_url = "https://appleid.apple.com/auth/token",
                       .auth_url = "https://appleid.apple.com/auth/authorize"};
  net::HttpClientOptions http{.connect_timeout_ms = 5'000, .total_timeout_ms = 10'000};
  int jwks_refetch_ms = 60'000;  // an unknown kid fetches the JWKS again at most this often
  int jwks_max_age_s = 3'600;    // how long a JWKS is kept when it has no Cache-Control max-age
  // Apple client secrets are made per exchange and live this long (Apple allows 6 months).
  int apple_client_secret_ttl_s = 300;
};

// Throws std::invalid_argument naming `flag` unless `url` is https://, or http(s) on a
// loopback host (localhost, 127.0.0.0/8, [::1]) for tests.
void check_provider_url(std::string_view flag, const std::string& url);
// Every URL of a configured provider, the code-flow settings that come in sets, the limits.
void validate(const OAuthConfig& c);

}  // namespace gd::oauth
