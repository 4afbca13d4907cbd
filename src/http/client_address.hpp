// The client's address: the connection's peer, or, when the peer is a trusted proxy
// (--trusted-proxies), the rightmost address of X-Forwarded-For that is not a trusted proxy.
// Rate limits, per-IP connection limits and the access log all use it.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gd::http {

struct Cidr {
  std::array<std::uint8_t, 16> net{};  // IPv4 in the first 4 bytes
  int bits = 0;
  bool v4 = false;
};

// "CIDR[,CIDR...]" (an address alone is a /32 or /128); nullopt when any part is malformed.
std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list);

// Whether `ip` (text; an IPv4-mapped IPv6 address counts as IPv4) lies in one of `nets`.
bool in_cidrs(std::string_view ip, const std::vector<Cidr>& nets);

// `peer` when it is not trusted; else X-Forwarded-For (every such header, in order) read from
// the right, skipping trusted proxies: the first address that is not one. An entry that is not
// an address ends the walk at the hop that added it; when every entry is trusted, the leftmost.
std::string client_address(const std::string& peer,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::vector<Cidr>& trusted);

}  // namespace gd::http
