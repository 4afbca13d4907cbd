// Parsing addresses with inet_pton; IPv4-mapped IPv6 peers are compared as IPv4.
#include "http/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/text.hpp"

namespace gd::http {
namespace {

struct Ip {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
};

std::optional<Ip> parse_ip(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  Ip ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) {
    ip.v4 = true;
    return ip;
  }
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {
    std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
    std::fill(ip.bytes.begin() + 4, ip.bytes.end(), 0);
    ip.v4 = true;
  }
  return ip;
}

bool contains(const Cidr& net, const Ip& ip) {
  if (net.v4 != ip.v4) return false;
  const int whole = net.bits / 8;
  if (std::memcmp(net.net.data(), ip.bytes.data(), static_cast<std::size_t>(whole)) != 0)
    return false;
  const int rest = net.bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (net.net[static_cast<std::size_t>(whole)] & mask) ==
         (ip.bytes[static_cast<std::size_t>(whole)] & mask);
}

bool trusted_ip(const Ip& ip, const std::vector<Cidr>& nets) {
  return std::any_of(nets.begin(), nets.end(), [&](const Cidr& n) { return contains(n, ip); });
}

std::string text_of(const Ip& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(ip.v4 ? AF_INET : AF_INET6, ip.bytes.data(), buf, sizeof buf);
  return buf;
}

}  // namespace

std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list) {
  std::vector<Cidr> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto part = trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (part.empty() || (comma != std::string_view::npos && trim_ows(list).empty()))
      return std::nullopt;
    const auto slash = part.find('/');
    const auto ip = parse_ip(part.substr(0, slash));
    if (!ip) return std::nullopt;
    Cidr c;
    c.v4 = ip->v4;
    c.bits = ip->v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
      const auto bits = part.substr(slash + 1);
      const auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), c.bits);
      if (bits.empty() || ec != std::errc() || p != bits.data() + bits.size() || c.bits < 0 ||
          c.bits > (ip->v4 ? 32 : 128))
        return std::nullopt;
    }
    // The network address: host bits cleared, so 10.1.2.3/8 means 10.0.0.0/8.
    for (int i = 0; i < 16; ++i) {
      const int keep = std::clamp(c.bits - i * 8, 0, 8);
      c.net[static_cast<std::size_t>(i)] =
          ip->bytes[static_cast<std::size_t>(i)] & static_cast<std::uint8_t>(0xff00 >> keep);
    }
    out.push_back(c);
  }
  return out;
}

bool in_cidrs(std::string_view ip, const std::vector<Cidr>& nets) {
  const auto parsed = parse_ip(ip);
  return parsed && trusted_ip(*parsed, nets);
}

std::string client_address(const std::string& peer,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::vector<Cidr>& trusted) {
  if (trusted.empty() || !in_cidrs(peer, trusted)) return peer;
  std::vector<std::string_view> hops;
  for (const auto& [name, value] : headers) {
    if (name != "x-forwarded-for") continue;
    std::string_view v = value;
    while (true) {
      const auto comma = v.find(',');
      hops.push_back(trim_ows(v.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  std::string client = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const auto ip = parse_ip(*it);
    if (!ip) return client;
    client = text_of(*ip);
    if (!trusted_ip(*ip, trusted)) return client;
  }
  return client;
}

}  // namespace gd::http
