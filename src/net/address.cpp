// The public-address rule and URL parsing for Web Push endpoints.
#include "net/address.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <memory>

namespace gd::net {
namespace {

bool in4(std::uint32_t a, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == net;
}

bool public_v4(std::uint32_t a) {
  struct Net {
    std::uint32_t net;
    int bits;
  };
  static constexpr std::array<Net, 15> kBlocked = {{
      {0x00000000, 8},   // "this" network
      {0x0A000000, 8},   // 10/8 private
      {0x64400000, 10},  // 100.64/10 shared (CGNAT)
      {0x7F000000, 8},   // loopback
      {0xA9FE0000, 16},  // 169.254/16 link-local, cloud metadata
      {0xAC100000, 12},  // 172.16/12 private
      {0xC0000000, 24},  // 192.0.0/24 protocol assignments
      {0xC0000200, 24},  // 192.0.2/24 documentation
      {0xC0586300, 24},  // 192.88.99/24 6to4 relay
      {0xC0A80000, 16},  // 192.168/16 private
      {0xC6120000, 15},  // 198.18/15 benchmarking
      {0xC6336400, 24},  // 198.51.100/24 documentation
      {0xCB007100, 24},  // 203.0.113/24 documentation
      {0xE0000000, 4},   // multicast
      {0xF0000000, 4},   // reserved, broadcast
  }};
  return std::none_of(kBlocked.begin(), kBlocked.end(),
                      [a](const Net& n) { return in4(a, n.net, n.bits); });
}

std::uint32_t v4_at(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

bool public_v6(const unsigned char* b) {
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::equal(kMapped, kMapped + 12, b) || std::equal(kNat64, kNat64 + 12, b))
    return public_v4(v4_at(b + 12));
  if (std::all_of(b, b + 10, [](unsigned char c) { return c == 0; }))
    return false;                                           // ::, ::1, IPv4-compatible
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local
  if (b[0] == 0xff) return false;                           // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // docs
  if (b[0] == 0x20 && b[1] == 0x02) return public_v4(v4_at(b + 2));                // 6to4
  if (b[0] == 0x01 && b[1] == 0x00 &&
      std::all_of(b + 2, b + 8, [](unsigned char c) { return c == 0; }))
    return false;  // 100::/64 discard
  return true;
}

}  // namespace

bool is_public_address(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return public_v4(ntohl(in->sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    return public_v6(in6->sin6_addr.s6_addr);
  }
  return false;
}

std::optional<UrlParts> parse_url(std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  const std::string text(url);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return std::nullopt;
  UrlParts parts;
  const auto get = [&u](CURLUPart part, std::string& out) {
    char* v = nullptr;
    if (curl_url_get(u.get(), part, &v, 0) != CURLUE_OK) return false;
    out = v;
    curl_free(v);
    return true;
  };
  if (!get(CURLUPART_SCHEME, parts.scheme) || !get(CURLUPART_HOST, parts.host)) return std::nullopt;
  get(CURLUPART_PORT, parts.port);
  std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (parts.host.size() >= 2 && parts.host.front() == '[' && parts.host.back() == ']')
    parts.host = parts.host.substr(1, parts.host.size() - 2);
  return parts;
}

std::string check_host_public(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.empty() ? "443" : port.c_str(), &hints, &found) != 0 || !found)
    return "does not resolve";
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  for (const addrinfo* a = found; a; a = a->ai_next)
    if (!is_public_address(a->ai_addr))
      return "resolves to a loopback, private or reserved address";
  return "";
}

}  // namespace gd::net
