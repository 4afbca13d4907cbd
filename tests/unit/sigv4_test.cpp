// AWS Signature Version 4 against published vectors: cases of the AWS SigV4 test suite
// (awslabs/aws-c-auth, tests/aws-signing-test-suite/v4, header signing; request.txt,
// header-canonical-request.txt, header-string-to-sign.txt and the signed request's
// Authorization, copied verbatim) and the S3 example of the AWS documentation ("Examples:
// Signature Calculations in AWS Signature Version 4", GET Object with a Range header).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "media/sigv4.hpp"

namespace {

namespace sigv4 = gd::media::sigv4;

struct Vector {
  const char* name;
  const char* request;  // request.txt: request line, Name:value headers, blank line, body
  bool sign_body;       // the suite's sign_body: x-amz-content-sha256 is a signed header
  const char* token;    // session token, "" for none
  const char* canonical;
  const char* string_to_sign;
  const char* authorization;
};

const Vector kSuite[] = {
    {"get-vanilla", R"(GET / HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(GET
/

host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-query-order-key-case", R"(GET /?Param2=value2&Param1=value1 HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(GET
/
Param1=value1&Param2=value2
host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get-utf8", R"(GET /ሴ HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(GET
/%E1%88%B4

host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get-space-normalized", R"(GET /example space/ HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(GET
/example%20space/

host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
    {"post-x-www-form-urlencoded", R"(POST / HTTP/1.1
Content-Type:application/x-www-form-urlencoded
Host:example.amazonaws.com
Content-Length:13

Param1=value1)",
     true, "",
     R"(POST
/

content-length:13
content-type:application/x-www-form-urlencoded
host:example.amazonaws.com
x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
x-amz-date:20150830T123600Z

content-length;content-type;host;x-amz-content-sha256;x-amz-date
9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, "
     "Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
    {"get-header-value-trim", R"(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1: value1
My-Header2: "a   b   c"
)",
     false, "",
     R"(GET
/

host:example.amazonaws.com
my-header1:value1
my-header2:"a b c"
x-amz-date:20150830T123600Z

host;my-header1;my-header2;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
     "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"get-vanilla-with-session-token", R"(GET / HTTP/1.1
Host:example.amazonaws.com
)",
     false, "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
     R"(GET
/

host:example.amazonaws.com
x-amz-date:20150830T123600Z
x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267

host;x-amz-date;x-amz-security-token
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date;x-amz-security-token, "
     "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
    {"get-vanilla-query-unreserved",
     R"(GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(GET
/
-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz
host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    {"get-header-key-duplicate", R"(GET / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value2
My-Header1:value2
My-Header1:value1
)",
     false, "",
     R"(GET
/

host:example.amazonaws.com
my-header1:value2,value2,value1
x-amz-date:20150830T123600Z

host;my-header1;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;my-header1;x-amz-date, "
     "Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
    {"post-header-key-sort", R"(POST / HTTP/1.1
Host:example.amazonaws.com
My-Header1:value1
)",
     false, "",
     R"(POST
/

host:example.amazonaws.com
my-header1:value1
x-amz-date:20150830T123600Z

host;my-header1;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;my-header1;x-amz-date, "
     "Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
    {"post-vanilla-query", R"(POST /?Param1=value1 HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(POST
/
Param1=value1
host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    {"get-vanilla-empty-query-key", R"(GET /?Param1=value1 HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(GET
/
Param1=value1
host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
    {"post-header-value-case", R"(POST / HTTP/1.1
Host:example.amazonaws.com
My-Header1:VALUE1
)",
     false, "",
     R"(POST
/

host:example.amazonaws.com
my-header1:VALUE1
x-amz-date:20150830T123600Z

host;my-header1;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;my-header1;x-amz-date, "
     "Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
    {"get-vanilla-utf8-query", R"(GET /?ሴ=bar HTTP/1.1
Host:example.amazonaws.com
)",
     false, "",
     R"(GET
/
%E1%88%B4=bar
host:example.amazonaws.com
x-amz-date:20150830T123600Z

host;x-amz-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)",
     R"(AWS4-HMAC-SHA256
20150830T123600Z
20150830/us-east-1/service/aws4_request
eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073)",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
};

constexpr std::string_view kSuiteDate = "20150830T123600Z";
const sigv4::Credentials kSuiteKeys{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

// Parses request.txt. The path and query are taken as written: the suite's cases used here
// carry no percent-escapes in their request lines.
sigv4::Request parse(std::string_view text, bool sign_body) {
  sigv4::Request r;
  auto next_line = [&text] {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    return line;
  };
  std::string_view first = next_line();
  r.method = std::string(first.substr(0, first.find(' ')));
  first.remove_prefix(r.method.size() + 1);
  std::string_view target = first.substr(0, first.rfind(' '));
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view item = query.substr(0, amp);
      const auto eq = item.find('=');
      r.query.emplace_back(std::string(item.substr(0, eq)),
                           eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1)));
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
  }
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    const auto colon = line.find(':');
    r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  r.payload_sha256_hex = sigv4::sha256_hex(text);  // the rest is the body
  if (sign_body) r.headers.emplace_back("X-Amz-Content-Sha256", r.payload_sha256_hex);
  return r;
}

TEST(SigV4, TestSuiteVectors) {
  for (const auto& v : kSuite) {
    SCOPED_TRACE(v.name);
    auto credentials = kSuiteKeys;
    credentials.session_token = v.token;
    auto request = parse(v.request, v.sign_body);
    const auto authorization =
        sigv4::sign(request, credentials, "us-east-1", "service", kSuiteDate);
    EXPECT_EQ(sigv4::canonical_request(request), v.canonical);
    const sigv4::Scope scope{"20150830", "us-east-1", "service"};
    EXPECT_EQ(sigv4::string_to_sign(kSuiteDate, scope, sigv4::canonical_request(request)),
              v.string_to_sign);
    EXPECT_EQ(authorization, v.authorization);
  }
}

TEST(SigV4, TestSuiteCoversTheCasesNamed) {
  std::string names;
  for (const auto& v : kSuite) names += std::string(v.name) + " ";
  for (const char* n :
       {"get-vanilla ", "get-vanilla-query-order-key-case ", "get-utf8 ", "get-space-normalized ",
        "post-x-www-form-urlencoded ", "get-header-value-trim ", "get-vanilla-with-session-token "})
    EXPECT_NE(names.find(n), std::string::npos) << n;
}

// The S3 example: GET /test.txt with Range: bytes=0-9 on examplebucket, 20130524T000000Z.
TEST(SigV4, S3GetObjectExampleFromTheAwsDocs) {
  sigv4::Request r;
  r.method = "GET";
  r.path = "/test.txt";
  r.payload_sha256_hex = sigv4::sha256_hex("");
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", r.payload_sha256_hex}};
  const sigv4::Credentials keys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                ""};
  const auto authorization = sigv4::sign(r, keys, "us-east-1", "s3", "20130524T000000Z");
  EXPECT_EQ(sigv4::canonical_request(r),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, UriEncodingKeepsUnreservedAndEncodesTheRestInUppercaseHex) {
  EXPECT_EQ(sigv4::uri_encode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(sigv4::uri_encode("a b/c+d=e*", false), "a%20b%2Fc%2Bd%3De%2A");
  EXPECT_EQ(sigv4::encode_path("/bucket/a b/ሴ"), "/bucket/a%20b/%E1%88%B4");
  EXPECT_EQ(sigv4::encode_path(""), "/");
}

TEST(SigV4, ChangingAnySignedPartChangesTheSignature) {
  auto base = parse("GET /b/k.jpg HTTP/1.1\nHost:s3.local\n\n", true);
  auto signed_base = base;
  const auto expected = sigv4::sign(signed_base, kSuiteKeys, "us-east-1", "s3", kSuiteDate);
  auto other_path = base;
  other_path.path = "/b/l.jpg";
  auto other_body = base;
  other_body.payload_sha256_hex = sigv4::sha256_hex("x");
  auto wrong_secret = kSuiteKeys;
  wrong_secret.secret_access_key += "x";
  auto same = base;
  EXPECT_EQ(sigv4::sign(same, kSuiteKeys, "us-east-1", "s3", kSuiteDate), expected);
  EXPECT_NE(sigv4::sign(other_path, kSuiteKeys, "us-east-1", "s3", kSuiteDate), expected);
  EXPECT_NE(sigv4::sign(other_body, kSuiteKeys, "us-east-1", "s3", kSuiteDate), expected);
  auto b1 = base;
  EXPECT_NE(sigv4::sign(b1, wrong_secret, "us-east-1", "s3", kSuiteDate), expected);
  auto b2 = base;
  EXPECT_NE(sigv4::sign(b2, kSuiteKeys, "eu-west-1", "s3", kSuiteDate), expected);
  auto b3 = base;
  EXPECT_THROW(sigv4::sign(b3, kSuiteKeys, "us-east-1", "s3", "2015-08-30"), std::invalid_argument);
}

}  // namespace
