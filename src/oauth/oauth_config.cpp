// Start-up checks of the sign-in configuration.
#include "oauth/oauth_config.hpp"

#include <stdexcept>

namespace gd::oauth {
namespace {

bool loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

void check_provider(std::string_view name, const ProviderConfig& p) {
  const std::string flag = "--oauth-" + std::string(name) + "-";
  check_provider_url(flag + "issuer", p.issuer);
  check_provider_url(flag + "jwks-url", p.jwks_url);
  check_provider_url(flag + "token-url", p.token_url);
  check_provider_url(flag + "auth-url", p.auth_url);
  for (const auto& id : p.client_ids)
    if (id.empty() || id.size() > 256)
      throw std::invalid_argument(flag + "client-ids: an id is empty or longer than 256");
}

}  // namespace

std::string_view provider_name(Provider p) {
  return p == Provider::kGoogle ? "google" : "apple";
}

void check_provider_url(std::string_view flag, const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string_view scheme = scheme_end == std::string::npos
                                      ? std::string_view()
                                      : std::string_view(url).substr(0, scheme_end);
  std::string_view rest = scheme_end == std::string::npos
                              ? std::string_view()
                              : std::string_view(url).substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != std::string_view::npos) rest = {};  // no credentials in a provider URL
  std::string_view host = rest;
  if (host.starts_with('['))
    host = host.substr(0, host.find(']') + 1);
  else
    host = host.substr(0, host.find(':'));
  const bool ok = !host.empty() && (scheme == "https" || (scheme == "http" && loopback_host(host)));
  if (!ok)
    throw std::invalid_argument(std::string(flag) + " must be an https:// URL (http:// only on " +
                                "a loopback host): " + url);
}

void validate(const OAuthConfig& c) {
  check_provider("google", c.google);
  check_provider("apple", c.apple);
  {
    const bool any =
        !c.apple.team_id.empty() || !c.apple.key_id.empty() || !c.apple.private_key_file.empty();
    const bool all =
        !c.apple.team_id.empty() && !c.apple.key_id.empty() && !c.apple.private_key_file.empty();
    if (any && !all)
      throw std::invalid_argument(
          "--oauth-apple-team-id, --oauth-apple-key-id and --oauth-apple-private-key-file go "
          "together");
  }
  if (c.jwks_refetch_ms < 0 || c.jwks_max_age_s < 1)
    throw std::invalid_argument(
        "--oauth-jwks-refetch-ms must be 0 or more and --oauth-jwks-max-age-s at least 1");
  if (c.http.connect_timeout_ms < 1 || c.http.total_timeout_ms < 1)
    throw std::invalid_argument(
        "--oauth-connect-timeout-ms and --oauth-timeout-ms must be at least 1");
}

}  // namespace gd::oauth
