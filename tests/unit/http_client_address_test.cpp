// --trusted-proxies and X-Forwarded-For: which address is the client's.
#include "http/client_address.hpp"

#include <gtest/gtest.h>

namespace {

using gd::http::client_address;
using gd::http::parse_cidrs;
using Headers = std::vector<std::pair<std::string, std::string>>;

std::vector<gd::http::Cidr> nets(const char* spec) {
  auto n = parse_cidrs(spec);
  EXPECT_TRUE(n) << spec;
  return n.value_or(std::vector<gd::http::Cidr>{});
}

TEST(TrustedProxies, ParsesCidrListsAndRefusesMalformedOnes) {
  EXPECT_EQ(parse_cidrs("")->size(), 0u);
  EXPECT_EQ(parse_cidrs("10.0.0.0/8, 127.0.0.1,::1,fd00::/8")->size(), 4u);
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "::1/129", "example.com", "10.0.0.0/8,",
                          "1.2.3", "10.0.0.0/-1", "10.0.0.0/8x"})
    EXPECT_FALSE(parse_cidrs(bad)) << bad;
}

TEST(TrustedProxies, MatchesByPrefixIncludingMappedIpv4) {
  const auto n = nets("10.1.0.0/16,fd00::/8,192.168.1.7");
  EXPECT_TRUE(gd::http::in_cidrs("10.1.200.3", n));
  EXPECT_FALSE(gd::http::in_cidrs("10.2.0.1", n));
  EXPECT_TRUE(gd::http::in_cidrs("::ffff:10.1.0.9", n));
  EXPECT_TRUE(gd::http::in_cidrs("fd12::1", n));
  EXPECT_FALSE(gd::http::in_cidrs("fe80::1", n));
  EXPECT_TRUE(gd::http::in_cidrs("192.168.1.7", n));
  EXPECT_FALSE(gd::http::in_cidrs("192.168.1.8", n));
  EXPECT_FALSE(gd::http::in_cidrs("not an ip", n));
  // Host bits in the spec do not matter: 10.1.2.3/8 is 10.0.0.0/8.
  EXPECT_TRUE(gd::http::in_cidrs("10.200.0.1", nets("10.1.2.3/8")));
}

TEST(TrustedProxies, NoneTrustedByDefaultSoTheHeaderIsIgnored) {
  const Headers h{{"x-forwarded-for", "203.0.113.9"}};
  EXPECT_EQ(client_address("127.0.0.1", h, {}), "127.0.0.1");
}

TEST(TrustedProxies, AnUntrustedPeerCannotClaimAnotherAddress) {
  const Headers h{{"x-forwarded-for", "203.0.113.9"}};
  EXPECT_EQ(client_address("198.51.100.4", h, nets("127.0.0.1")), "198.51.100.4");
}

TEST(TrustedProxies, TakesTheRightmostUntrustedAddress) {
  const auto trusted = nets("127.0.0.1,10.0.0.0/8");
  // The client put a forged address first; the proxies appended what they saw.
  const Headers h{{"x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.5"}};
  EXPECT_EQ(client_address("127.0.0.1", h, trusted), "203.0.113.9");
  // Several headers are one list, in order.
  const Headers split{{"x-forwarded-for", "1.1.1.1"}, {"x-forwarded-for", "203.0.113.9,10.0.0.5"}};
  EXPECT_EQ(client_address("127.0.0.1", split, trusted), "203.0.113.9");
}

TEST(TrustedProxies, EdgeCasesOfTheHeader) {
  const auto trusted = nets("127.0.0.1,10.0.0.0/8");
  EXPECT_EQ(client_address("127.0.0.1", {}, trusted), "127.0.0.1");  // no header: the peer
  EXPECT_EQ(client_address("127.0.0.1", {{"x-forwarded-for", "10.0.0.2, 10.0.0.3"}}, trusted),
            "10.0.0.2");  // every hop trusted: the leftmost
  EXPECT_EQ(client_address("127.0.0.1", {{"x-forwarded-for", "garbage, 10.0.0.3"}}, trusted),
            "10.0.0.3");  // a malformed entry ends the walk at the hop that added it
  EXPECT_EQ(client_address("127.0.0.1", {{"x-forwarded-for", "203.0.113.9:4711"}}, trusted),
            "127.0.0.1");
  EXPECT_EQ(client_address("::ffff:127.0.0.1", {{"x-forwarded-for", "2001:db8::1"}}, trusted),
            "2001:db8::1");
  EXPECT_EQ(client_address("127.0.0.1", {{"x-forwarded-for", "::FFFF:203.0.113.9"}}, trusted),
            "203.0.113.9");  // normalised
}

}  // namespace
