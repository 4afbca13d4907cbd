// Sign-in with Google and Apple: an ID token the app has, or an authorization code exchanged
// at the provider's token endpoint, verified completely (id_token.hpp, jwks_cache.hpp); then
// the account: the identity's user, an account linked by a verified email, or a new one
// (docs/auth.md, "Sign in with Google and Apple"). Sessions come from auth::AuthService.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "auth/auth_service.hpp"
#include "auth/rate_limit.hpp"
#include "core/metrics.hpp"
#include "net/http_client.hpp"
#include "oauth/jwks_cache.hpp"
#include "oauth/oauth_config.hpp"
#include "push/jose.hpp"
#include "store/db.hpp"
#include "users/user_store.hpp"

namespace gd::oauth {

struct SignInRequest {
  std::optional<std::string> id_token;
  std::optional<std::string> code;  // with redirect_uri (and code_verifier for PKCE)
  std::optional<std::string> redirect_uri;
  std::optional<std::string> code_verifier;
  std::optional<std::string> nonce;
  std::optional<std::string> name;  // Apple sends it to the app once, outside the token
  std::string device;
  std::string ip;
  std::string locale = "en";  // a new account's language
};

struct OAuthSignIn {
  auth::SignIn session;
  bool is_new_user = false;
};

class OAuthService {
 public:
  // Reads Apple's key file; throws std::invalid_argument when it is not a P-256 key.
  OAuthService(db::Database& db, users::UserStore& users, auth::AuthService& auth,
               const OAuthConfig& config, auth::BucketOptions per_ip, Metrics& metrics);
  ~OAuthService();
  OAuthService(const OAuthService&) = delete;
  OAuthService& operator=(const OAuthService&) = delete;

  bool configured(Provider p) const;
  // --redis-url: the per-IP budget of sign-ins becomes the whole service's.
  void share_limits(auth::SharedBuckets* shared) { per_ip_.share(shared, "oauth-ip"); }
  // NOT_FOUND when the provider is off, OAUTH_TOKEN_INVALID, OAUTH_PROVIDER_UNAVAILABLE,
  // RATE_LIMITED, ACCOUNT_DISABLED.
  Task<Result<OAuthSignIn>> sign_in(Provider p, SignInRequest request);
  // The client secret of Apple's token endpoint: an ES256 JWT by the team's key.
  std::string apple_client_secret(std::int64_t now_s) const;

 private:
  struct ProviderState;
  struct Linked;
  ProviderState& state(Provider p);
  Task<Result<std::string>> exchange_code(Provider p, const SignInRequest& r);
  Task<Result<IdClaims>> verify(Provider p, std::string id_token, std::optional<std::string> nonce);
  Task<Result<Linked>> link(Provider p, IdClaims claims, std::string name, std::string locale);
  Task<Result<Linked>> link_once(Provider p, IdClaims claims, std::string name, std::string locale);
  Task<Result<OAuthSignIn>> finish(Linked linked, std::string device);
  Task<Result<OAuthSignIn>> sign_in_verified(Provider p, SignInRequest r);

  std::unique_ptr<net::HttpClient> http_;  // reset first in the destructor: its callbacks
                                           // reach the JWKS caches
  db::Database& db_;
  users::UserStore& users_;
  auth::AuthService& auth_;
  OAuthConfig config_;
  auth::RateLimiter per_ip_;
  std::unique_ptr<ProviderState> google_;
  std::unique_ptr<ProviderState> apple_;
  std::optional<push::JwtSigner> apple_key_;
};

}  // namespace gd::oauth
