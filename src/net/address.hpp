// Which addresses a user-supplied URL may reach (SSRF): public unicast only, no loopback,
// private, shared, link-local (cloud metadata), unique-local, multicast or documentation
// ranges, and IPv4 embedded in IPv6 judged as IPv4.
#pragma once
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace gd::net {

bool is_public_address(const sockaddr* addr);

struct UrlParts {
  std::string scheme;  // lowercase
  std::string host;    // without brackets
  std::string port;    // "" when absent
};
// A URL's scheme, host and port (libcurl's parser); nullopt when it is not a URL.
std::optional<UrlParts> parse_url(std::string_view url);

// Resolves host (blocking: call off the I/O threads) and returns "" when every address is
// public, else what is wrong ("resolves to a private address", "does not resolve").
std::string check_host_public(const std::string& host, const std::string& port);

}  // namespace gd::net
