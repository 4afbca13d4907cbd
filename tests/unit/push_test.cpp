// Push: Web Push encryption against RFC 8291's vector, JWT signatures verified by OpenSSL,
// the public-address rule and the retry back-off.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json/parse.hpp>

#include <future>

#include "net/address.hpp"
#include "net/http_client.hpp"
#include "push/delivery_worker.hpp"
#include "push/jose.hpp"
#include "push/webpush_crypto.hpp"

namespace gd::push {
namespace {

using net::HttpClient;
using net::HttpClientOptions;
using net::HttpRequest;
using net::HttpResponse;
using net::is_public_address;
using net::parse_url;

std::string b64(std::string_view s) {
  std::string out;
  EXPECT_TRUE(b64url_decode(s, out)) << s;
  return out;
}

TEST(WebPushCrypto, MatchesRfc8291AppendixA) {
  const WebPushFixedKeys keys{b64("DGv6ra1nlYgDCS1FRnbzlw"),
                              b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"),
                              b64("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS"
                                  "6TlzAC8wEqKK6PBru3jl7A8")};
  const std::string body =
      encrypt_aes128gcm("When I grow up, I want to be a watermelon",
                        b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-"
                            "AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
                        b64("BTBZMqHH6r4Tts7J_aSIgg"), keys);
  EXPECT_EQ(
      b64url(body),
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInm"
      "YWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQ"
      "exSgSxsj_Qulcy4a-fN");
}

TEST(WebPushCrypto, FreshKeysEachTimeAndBadSubscriptionKeysRefused) {
  const auto ua = p256_generate();
  const std::string point = p256_point(ua.get());
  const std::string auth(16, 'a');
  EXPECT_NE(encrypt_aes128gcm("x", point, auth), encrypt_aes128gcm("x", point, auth));
  EXPECT_THROW(encrypt_aes128gcm("x", std::string(65, '\x04'), auth), std::invalid_argument);
  EXPECT_THROW(encrypt_aes128gcm("x", point, "short"), std::invalid_argument);
}

// Verifies a compact JWS with OpenSSL directly: ES256 signatures are r || s, RS256 PKCS#1.
bool verify(const std::string& jwt, EVP_PKEY* key) {
  const auto dot = jwt.rfind('.');
  const std::string input = jwt.substr(0, dot);
  std::string sig = b64(jwt.substr(dot + 1));
  if (EVP_PKEY_is_a(key, "EC")) {
    if (sig.size() != 64) return false;
    ECDSA_SIG* s = ECDSA_SIG_new();
    const auto* raw = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG_set0(s, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(s, &der);
    sig.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

boost::json::object part(const std::string& jwt, int i) {
  std::size_t start = 0;
  for (int k = 0; k < i; ++k) start = jwt.find('.', start) + 1;
  const auto end = jwt.find('.', start);
  return boost::json::parse(b64(jwt.substr(start, end - start))).as_object();
}

TEST(PushJwt, Es256SignatureVerifiesWithOpenSsl) {
  JwtSigner signer(p256_generate());
  const auto jwt = signer.sign({{"kid", "K1"}}, {{"iss", "TEAM"}, {"iat", 1}});
  EXPECT_TRUE(verify(jwt, signer.key()));
  EXPECT_EQ(part(jwt, 0).at("alg"), "ES256");
  EXPECT_EQ(part(jwt, 0).at("kid"), "K1");
  EXPECT_EQ(part(jwt, 1).at("iss"), "TEAM");
  std::string tampered = jwt;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify(tampered, signer.key()));
}

TEST(PushJwt, Rs256SignatureVerifiesWithOpenSsl) {
  JwtSigner signer(Pkey(EVP_RSA_gen(2048)));
  const auto jwt = signer.sign({{"typ", "JWT"}}, {{"aud", "https://oauth2.example/token"}});
  EXPECT_EQ(part(jwt, 0).at("alg"), "RS256");
  EXPECT_TRUE(verify(jwt, signer.key()));
}

TEST(PushJwt, RefusesKeysThatAreNotP256OrRsa) {
  EXPECT_THROW(JwtSigner::from_pem("not a key"), std::invalid_argument);
  EXPECT_THROW(JwtSigner(Pkey(EVP_EC_gen("P-384"))), std::invalid_argument);
}

bool public_ip(const char* text) {
  sockaddr_in6 v6{};
  sockaddr_in v4{};
  if (inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    return is_public_address(reinterpret_cast<sockaddr*>(&v4));
  }
  EXPECT_EQ(inet_pton(AF_INET6, text, &v6.sin6_addr), 1) << text;
  v6.sin6_family = AF_INET6;
  return is_public_address(reinterpret_cast<sockaddr*>(&v6));
}

TEST(PushAddress, OnlyPublicUnicastAddressesPass) {
  for (const char* bad : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                          "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1",
                          "::", "fe80::1", "fd00:ec2::254", "fc00::1", "::ffff:127.0.0.1",
                          "::ffff:10.0.0.1", "64:ff9b::a00:1", "ff02::1", "2001:db8::1"})
    EXPECT_FALSE(public_ip(bad)) << bad;
  for (const char* good :
       {"8.8.8.8", "1.1.1.1", "142.250.74.46", "2001:4860:4860::8888", "::ffff:8.8.8.8"})
    EXPECT_TRUE(public_ip(good)) << good;
}

TEST(PushAddress, ParsesEndpointUrls) {
  auto p = parse_url("https://push.example.com:8443/wpush/v2/abc");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->scheme, "https");
  EXPECT_EQ(p->host, "push.example.com");
  EXPECT_EQ(p->port, "8443");
  EXPECT_EQ(parse_url("https://[::1]/x")->host, "::1");
  EXPECT_FALSE(parse_url("not a url"));
}

// The send-time check: the address curl is about to connect to is judged, whatever the URL
// said at registration; nothing is connected.
TEST(PushHttpClient, RefusesANonPublicAddressWhenConnecting) {
  HttpClient client(HttpClientOptions{1000, 2000, "", false});
  for (const char* url : {"https://127.0.0.1:9/x", "https://localhost:9/x", "https://[::1]:9/"}) {
    std::promise<HttpResponse> done;
    HttpRequest req;
    req.url = url;
    req.public_only = true;
    client.start(req, [&done](HttpResponse r) { done.set_value(std::move(r)); });
    const HttpResponse res = done.get_future().get();
    EXPECT_TRUE(res.refused_address) << url;
    EXPECT_EQ(res.status, 0) << url;
  }
}

TEST(PushHttpClient, PublicOnlyRequestsAreHttpsOnly) {
  HttpClient client(HttpClientOptions{1000, 2000, "", true});
  std::promise<HttpResponse> done;
  HttpRequest req;
  req.url = "http://127.0.0.1:9/x";
  req.public_only = true;
  client.start(req, [&done](HttpResponse r) { done.set_value(std::move(r)); });
  const HttpResponse res = done.get_future().get();
  EXPECT_EQ(res.status, 0);
  EXPECT_FALSE(res.refused_address);
  EXPECT_NE(res.error.find("Protocol"), std::string::npos) << res.error;
}

TEST(PushRetry, BackoffDoublesWithJitterUpToTheCap) {
  DeliveryOptions o;
  o.retry_base_ms = 1000;
  o.retry_max_ms = 60'000;
  EXPECT_EQ(DeliveryWorker::backoff_ms(o, 1, 0.0), 500);
  EXPECT_EQ(DeliveryWorker::backoff_ms(o, 1, 1.0), 1000);
  EXPECT_EQ(DeliveryWorker::backoff_ms(o, 3, 1.0), 4000);
  EXPECT_EQ(DeliveryWorker::backoff_ms(o, 20, 1.0), 60'000);
  EXPECT_EQ(DeliveryWorker::backoff_ms(o, 20, 0.0), 30'000);
}

}  // namespace
}  // namespace gd::push
