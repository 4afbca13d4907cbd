// The rules of sign-in with a provider. Token checks are in id_token.cpp, keys in
// jwks_cache.cpp, SQL in identity_store.cpp and users/user_store.cpp.
#include "oauth/oauth_service.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "auth/jwt.hpp"
#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "oauth/identity_store.hpp"

namespace gd::oauth {

struct OAuthService::ProviderState {
  Provider id;
  const ProviderConfig* config = nullptr;
  std::unique_ptr<JwksCache> jwks;
  std::atomic<std::uint64_t>* ok = nullptr;           // signed in to an existing account
  std::atomic<std::uint64_t>* created = nullptr;      // a new account
  std::atomic<std::uint64_t>* invalid = nullptr;      // token or code refused
  std::atomic<std::uint64_t>* unavailable = nullptr;  // provider down
  std::atomic<std::uint64_t>* rejected = nullptr;     // rate limited, disabled, bad request
};

struct OAuthService::Linked {
  std::string user_id;
  bool is_new = false;
  bool took_over = false;  // the account's unproven password holder was put out
};

namespace {

constexpr json::StringRule kName{1, 100, true};

Error unavailable(std::string detail) {
  return make_error(ErrorCode::kOauthProviderUnavailable, std::move(detail));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read --oauth-apple-private-key-file " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void add_field(std::string& form, std::string_view name, std::string_view value) {
  if (!form.empty()) form.push_back('&');
  form.append(name).append("=").append(net::form_escape(value));
}

void bump(std::atomic<std::uint64_t>* c) {
  if (c) c->fetch_add(1, std::memory_order_relaxed);
}

// The name a new account gets: the one sent, the token's, or a neutral one.
std::string account_name(const SignInRequest& r, const IdClaims& c, Provider p) {
  for (const auto& candidate : {r.name, c.name}) {
    if (!candidate) continue;
    std::string name = *candidate;
    if (!json::check_text(name, kName)) return name;
  }
  return p == Provider::kGoogle ? "Google user" : "Apple user";
}

}  // namespace

OAuthService::OAuthService(db::Database& db, users::UserStore& users, auth::AuthService& auth,
                           const OAuthConfig& config, auth::BucketOptions per_ip, Metrics& metrics)
    : http_(std::make_unique<net::HttpClient>(config.http)),
      db_(db),
      users_(users),
      auth_(auth),
      config_(config),
      per_ip_(per_ip) {
  for (const Provider p : {Provider::kGoogle, Provider::kApple}) {
    auto s = std::make_unique<ProviderState>();
    s->id = p;
    s->config = p == Provider::kGoogle ? &config_.google : &config_.apple;
    const std::string labels = "provider=\"" + std::string(provider_name(p)) + "\"";
    const auto outcome = [&](const char* o) {
      return &metrics.counter("gooddeeds_oauth_sign_ins_total",
                              "Sign-ins with a provider by outcome.",
                              labels + ",outcome=\"" + o + "\"");
    };
    s->ok = outcome("ok");
    s->created = outcome("new_user");
    s->invalid = outcome("invalid");
    s->unavailable = outcome("unavailable");
    s->rejected = outcome("rejected");
    JwksCounters counters{
        &metrics.counter("gooddeeds_oauth_jwks_fetches_total", "JWKS fetches started.", labels),
        &metrics.counter("gooddeeds_oauth_jwks_fetch_failures_total",
                         "JWKS fetches that brought no keys.", labels)};
    s->jwks = std::make_unique<JwksCache>(
        *http_, JwksOptions{s->config->jwks_url, config_.jwks_refetch_ms, config_.jwks_max_age_s},
        counters);
    (p == Provider::kGoogle ? google_ : apple_) = std::move(s);
  }
  if (!config_.apple.private_key_file.empty()) {
    try {
      apple_key_.emplace(push::JwtSigner::from_pem(read_file(config_.apple.private_key_file)));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("--oauth-apple-private-key-file: " + std::string(e.what()));
    }
    if (apple_key_->alg() != "ES256")
      throw std::invalid_argument("--oauth-apple-private-key-file must be a P-256 key (.p8)");
  }
}

OAuthService::~OAuthService() {
  http_.reset();  // cancels fetches in flight; their callbacks still find the caches
}

bool OAuthService::configured(Provider p) const {
  return (p == Provider::kGoogle ? config_.google : config_.apple).configured();
}

OAuthService::ProviderState& OAuthService::state(Provider p) {
  return p == Provider::kGoogle ? *google_ : *apple_;
}

std::string OAuthService::apple_client_secret(std::int64_t now_s) const {
  GD_CHECK(apple_key_.has_value());
  boost::json::object header{{"kid", config_.apple.key_id}};
  boost::json::object claims{{"iss", config_.apple.team_id},
                             {"iat", now_s},
                             {"exp", now_s + config_.apple_client_secret_ttl_s},
                             {"aud", config_.apple.issuer},
                             {"sub", config_.apple.client_ids.front()}};
  return apple_key_->sign(std::move(header), claims);
}

Task<Result<std::string>> OAuthService::exchange_code(Provider p, const SignInRequest& r) {
  const ProviderConfig& pc = *state(p).config;
  std::string secret;
  if (p == Provider::kGoogle && !pc.client_secret.empty()) secret = pc.client_secret;
  if (p == Provider::kApple && apple_key_) secret = apple_client_secret(now_ms() / 1000);
  if (secret.empty())
    co_return make_error(ErrorCode::kNotFound,
                         "Sign-in with an authorization code is not configured.");
  net::HttpRequest req;
  req.url = pc.token_url;
  req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  add_field(req.body, "grant_type", "authorization_code");
  add_field(req.body, "code", *r.code);
  add_field(req.body, "redirect_uri", *r.redirect_uri);
  add_field(req.body, "client_id", pc.client_ids.front());
  add_field(req.body, "client_secret", secret);
  if (r.code_verifier) add_field(req.body, "code_verifier", *r.code_verifier);
  const auto res = co_await http_->send(std::move(req));
  if (res.status == 0 || res.status >= 500) {
    spdlog::warn("{} token endpoint: status {} {}", provider_name(p), res.status, res.error);
    co_return unavailable("The sign-in provider did not answer.");
  }
  if (res.status != 200)
    co_return make_error(ErrorCode::kOauthTokenInvalid, "The provider refused the code.");
  boost::system::error_code ec;
  const auto doc = boost::json::parse(res.body, ec);
  const auto* token = !ec && doc.is_object() ? doc.as_object().if_contains("id_token") : nullptr;
  if (!token || !token->is_string())
    co_return unavailable("The sign-in provider answered without an ID token.");
  co_return std::string(token->as_string());
}

Task<Result<IdClaims>> OAuthService::verify(Provider p, std::string id_token,
                                            std::optional<std::string> nonce) {
  auto jws = auth::decode_jws(id_token, ErrorCode::kOauthTokenInvalid);
  if (!jws) co_return std::move(jws).error();
  auto kid = rs256_kid(jws->header);
  if (!kid) co_return std::move(kid).error();
  auto key = co_await state(p).jwks->key(std::move(*kid));
  if (!key) co_return std::move(key).error();
  if (!push::rs256_verify(key->get(), jws->signing_input, jws->signature))
    co_return make_error(ErrorCode::kOauthTokenInvalid, "The ID token's signature is invalid.");
  const ProviderConfig& pc = *state(p).config;
  Expectations e{{pc.issuer}, &pc.client_ids, std::move(nonce), now_ms() / 1000};
  // Google documents both forms of its issuer.
  if (p == Provider::kGoogle && pc.issuer.starts_with("https://"))
    e.issuers.push_back(pc.issuer.substr(8));
  co_return check_claims(jws->payload, e);
}

Task<Result<OAuthSignIn>> OAuthService::sign_in(Provider p, SignInRequest r) {
  if (!configured(p))
    co_return make_error(ErrorCode::kNotFound, "Sign-in with this provider is not configured.");
  ProviderState& s = state(p);
  if (const int wait = co_await per_ip_.check(r.ip); wait > 0) {
    bump(s.rejected);
    Error e = make_error(ErrorCode::kRateLimited, "Too many attempts; try again later.");
    e.retry_after_s = wait;
    co_return e;
  }
  const std::string ip = r.ip;
  auto out = co_await sign_in_verified(p, std::move(r));
  if (out) {
    bump(out->is_new_user ? s.created : s.ok);
    if (out->is_new_user) co_await per_ip_.consume(ip);  // accounts made count like registrations
    co_return out;
  }
  const auto code = out.error().code;
  if (code == ErrorCode::kOauthTokenInvalid) {
    bump(s.invalid);
    co_await per_ip_.consume(ip);  // like a failed login
  } else if (code == ErrorCode::kOauthProviderUnavailable) {
    bump(s.unavailable);
  } else {
    bump(s.rejected);
  }
  co_return out;
}

Task<Result<OAuthSignIn>> OAuthService::sign_in_verified(Provider p, SignInRequest r) {
  std::string id_token;
  if (r.code) {
    auto exchanged = co_await exchange_code(p, r);
    if (!exchanged) co_return std::move(exchanged).error();
    id_token = std::move(*exchanged);
  } else {
    id_token = std::move(*r.id_token);
  }
  auto claims = co_await verify(p, std::move(id_token), r.nonce);
  if (!claims) co_return std::move(claims).error();
  std::string name = account_name(r, *claims, p);
  auto linked = co_await link(p, std::move(*claims), std::move(name), r.locale);
  if (!linked) co_return std::move(linked).error();
  co_return co_await finish(std::move(*linked), std::move(r.device));
}

Task<Result<OAuthService::Linked>> OAuthService::link(Provider p, IdClaims claims, std::string name,
                                                      std::string locale) {
  // Two first sign-ins at once (the same subject, or the same email) collide on a unique key;
  // the loser runs again and finds what the winner wrote.
  for (int attempt = 0;; ++attempt) {
    try {
      co_return co_await link_once(p, claims, name, locale);
    } catch (const db::DbError& e) {
      if (!e.unique_violation() || attempt == 1) throw;
    }
  }
}

Task<Result<OAuthService::Linked>> OAuthService::link_once(Provider p, IdClaims c, std::string name,
                                                           std::string locale) {
  co_return co_await db_.transaction<Linked>([&](db::Tx& tx) -> Task<Result<Linked>> {
    if (auto uid = co_await IdentityStore::user_of_in(tx, p, c.subject))
      co_return Linked{std::move(*uid), false, false};
    const auto now = now_ms();
    // Only an address the provider vouches for is the person's: it may reach an existing
    // account, and only it is stored on a new one.
    std::optional<std::string> email;
    if (c.email && c.email_verified) email = auth::AuthService::normalize_email(*c.email);
    if (email) {
      if (auto existing = co_await users::UserStore::find_by_email_in(tx, *email)) {
        if (!existing->is_active)
          co_return make_error(ErrorCode::kAccountDisabled, "This account is disabled.");
        const bool take_over = !existing->email_verified;
        co_await users::UserStore::prove_email_in(tx, existing->id, now, take_over);
        co_await IdentityStore::link_in(tx, p, c.subject, existing->id, c.email, now);
        co_return Linked{existing->id, false, take_over};
      }
    }
    users::NewUser nu;
    nu.email = email;
    nu.name = name;
    nu.locale = locale;
    if (email) nu.email_verified_at_ms = now;
    auto user = co_await users::UserStore::create_in(tx, std::move(nu));
    co_await IdentityStore::link_in(tx, p, c.subject, user.id, c.email, now);
    co_return Linked{std::move(user.id), true, false};
  });
}

Task<Result<OAuthSignIn>> OAuthService::finish(Linked linked, std::string device) {
  // The password holder who never proved the address loses every session with the password.
  if (linked.took_over) co_await auth_.end_all_sessions(linked.user_id, "account_linked");
  auto user = co_await users_.find_by_id(linked.user_id);
  if (!user) co_return make_error(ErrorCode::kOauthTokenInvalid, "The account no longer exists.");
  if (!user->is_active)
    co_return make_error(ErrorCode::kAccountDisabled, "This account is disabled.");
  auto session = co_await auth_.sign_in_as(std::move(*user), std::move(device));
  if (!session) co_return std::move(session).error();
  co_return OAuthSignIn{std::move(*session), linked.is_new};
}

}  // namespace gd::oauth
