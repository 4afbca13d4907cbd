// --media-store specs: dir:PATH and s3://BUCKET?endpoint=URL&region=R, and what is refused.
// (The store's requests are tested black-box in tests/api/media_s3.test.mjs.)
#include <gtest/gtest.h>

#include <stdexcept>
#include <variant>

#include "media/s3_blob_store.hpp"

namespace {

using gd::media::DirStore;
using gd::media::parse_media_store;
using gd::media::S3Location;

S3Location s3(const std::string& spec, const std::string& region = "") {
  auto parsed = parse_media_store(spec, region);
  EXPECT_TRUE(std::holds_alternative<S3Location>(parsed)) << spec;
  return std::get<S3Location>(parsed);
}

TEST(MediaStoreSpec, DirectoryPath) {
  auto parsed = parse_media_store("dir:/var/lib/gooddeeds/media", "");
  ASSERT_TRUE(std::holds_alternative<DirStore>(parsed));
  EXPECT_EQ(std::get<DirStore>(parsed).path, "/var/lib/gooddeeds/media");
}

TEST(MediaStoreSpec, BucketWithAnEndpointPlainOrPercentEncoded) {
  for (const char* spec :
       {"s3://media-1?endpoint=http://127.0.0.1:9000&region=eu-central-1",
        "s3://media-1/?region=eu-central-1&endpoint=http%3A%2F%2F127.0.0.1%3A9000%2F"}) {
    const auto loc = s3(spec);
    EXPECT_EQ(loc.bucket, "media-1") << spec;
    EXPECT_EQ(loc.endpoint, "http://127.0.0.1:9000") << spec;
    EXPECT_EQ(loc.host, "127.0.0.1:9000") << spec;
    EXPECT_EQ(loc.region, "eu-central-1") << spec;
  }
}

TEST(MediaStoreSpec, RegionAndEndpointDefaults) {
  const auto plain = s3("s3://media");
  EXPECT_EQ(plain.region, "us-east-1");
  EXPECT_EQ(plain.endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_EQ(plain.host, "s3.us-east-1.amazonaws.com");
  const auto from_env = s3("s3://media", "eu-west-1");
  EXPECT_EQ(from_env.region, "eu-west-1");
  EXPECT_EQ(from_env.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(s3("s3://media?region=ap-south-1", "eu-west-1").region, "ap-south-1");
}

TEST(MediaStoreSpec, RefusesWhatItCannotUse) {
  for (const char* spec :
       {"", "dir:", "media", "ftp://media", "s3://", "s3://ab", "s3://bad/bucket", "s3://sp ace",
        "s3://media?endpoint=ftp://host", "s3://media?endpoint=http://host/path",
        "s3://media?endpoint=http://user@host",
        "s3://media?endpoint=", "s3://media?region=", "s3://media?style=virtual"})
    EXPECT_THROW(parse_media_store(spec, ""), std::invalid_argument) << spec;
}

TEST(MediaStoreSpec, AnS3StoreNeedsKeys) {
  EXPECT_THROW(gd::media::S3BlobStore(s3("s3://media"), gd::media::S3Options{}),
               std::invalid_argument);
}

}  // namespace
