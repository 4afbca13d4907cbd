// The web app's file set: names that can never be looked up (traversal), content types,
// caching classes, ETags, --web-dir refusing symlinks that lead outside, and the CSP's
// tile host.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "web/static_files.hpp"
#include "web/web_routes.hpp"

namespace {

namespace fs = std::filesystem;
using gd::web::StaticFiles;

TEST(WebStaticFiles, TraversalNamesNeverResolve) {
  StaticFiles files;
  files.add("index.html", "<!doctype html>");
  files.add("assets/app-1234.js", "x");
  EXPECT_NE(files.find("/"), nullptr);
  EXPECT_NE(files.find("/index.html"), nullptr);
  EXPECT_NE(files.find("/assets/app-1234.js"), nullptr);
  for (const char* path :
       {"/../index.html", "/assets/../index.html", "/./index.html", "//index.html",
        "/assets//app-1234.js", "/assets\\app-1234.js", "index.html", "", "/assets/", "/assets"})
    EXPECT_EQ(files.find(path), nullptr) << path;
}

TEST(WebStaticFiles, TypesCachingAndEtags) {
  StaticFiles files;
  files.add("index.html", "a");
  files.add("assets/app-1234.js", "a");
  files.add("manifest.webmanifest", "{}");
  const auto* index = files.find("/");
  const auto* js = files.find("/assets/app-1234.js");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(files.find("/manifest.webmanifest")->content_type,
            "application/manifest+json; charset=utf-8");
  EXPECT_FALSE(index->immutable);
  EXPECT_TRUE(js->immutable);
  EXPECT_EQ(index->etag, js->etag);  // same bytes, same tag
  EXPECT_EQ(index->etag.front(), '"');
  EXPECT_EQ(gd::web::content_type_for("x.bin"), "application/octet-stream");
}

TEST(WebStaticFiles, DirectorySkipsSymlinksLeadingOutside) {
  const fs::path base = fs::temp_directory_path() / ("gd-web-test-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "dist" / "assets");
  std::ofstream(base / "secret.txt") << "secret";
  std::ofstream(base / "dist" / "index.html") << "<!doctype html>";
  std::ofstream(base / "dist" / "assets" / "a-1.js") << "js";
  fs::create_symlink(base / "secret.txt", base / "dist" / "leak.txt");
  fs::create_directory_symlink(base, base / "dist" / "up");
  fs::create_symlink(base / "dist" / "index.html", base / "dist" / "alias.html");
  const auto files = StaticFiles::from_directory((base / "dist").string());
  EXPECT_NE(files.find("/assets/a-1.js"), nullptr);
  EXPECT_NE(files.find("/alias.html"), nullptr);  // a link within the build is fine
  EXPECT_EQ(files.find("/leak.txt"), nullptr);
  EXPECT_EQ(files.find("/up/secret.txt"), nullptr);
  EXPECT_THROW(StaticFiles::from_directory((base / "nothing").string()), std::runtime_error);
  EXPECT_THROW(StaticFiles::from_directory((base / "dist" / "assets").string()),
               std::runtime_error);  // no index.html
  fs::remove_all(base);
}

TEST(WebCsp, AllowsTheTileHost) {
  EXPECT_EQ(gd::web::tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            "https://tile.openstreetmap.org");
  EXPECT_EQ(gd::web::tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png"),
            "https://*.tile.example.org");
  EXPECT_EQ(gd::web::tile_origin("http://127.0.0.1:9999/{z}/{x}/{y}.png"), "http://127.0.0.1:9999");
  EXPECT_THROW(gd::web::tile_origin("javascript:alert(1)"), std::invalid_argument);
  EXPECT_THROW(gd::web::tile_origin("https://a.org;script-src */x"), std::invalid_argument);
  const auto csp =
      gd::web::content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
  EXPECT_NE(csp.find("img-src 'self' data: blob: https://tile.openstreetmap.org;"),
            std::string::npos);
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
}

}  // namespace
