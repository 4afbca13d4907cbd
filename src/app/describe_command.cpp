// `gooddeeds describe routes|error-codes`: the server's own tables as JSON, so that tools and
// tests (tests/api/openapi_contract.test.mjs) compare docs/openapi.yaml with what the binary
// really serves instead of with a copy kept by hand.
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

#include "app/app.hpp"
#include "core/error_code.hpp"
#include "core/json.hpp"
#include "core/role.hpp"
#include "media/s3_blob_store.hpp"

namespace gd::app {
namespace {

constexpr const char* kUsage =
    "usage: gooddeeds describe routes|error-codes\n\n"
    "Prints, as JSON on stdout, a table the server is built from:\n"
    "  routes       every route of `gooddeeds serve`: method, path template, auth, role\n"
    "  error-codes  every problem code with its HTTP status and title\n"
    "Touches no configured database or directory: the routes are wired on a throwaway\n"
    "SQLite database in a temporary directory, which is removed again.\n";

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gooddeeds-describe-XXXXXX");
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary directory under " +
                               std::filesystem::temp_directory_path().string());
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;  // nothing sensible to do when cleaning up fails
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// While it lives, what is written to stdout goes to stderr: serve() may speak to the
// operator on stdout, and stdout is for the JSON alone.
class StdoutToStderr {
 public:
  StdoutToStderr() : saved_(::dup(1)) {
    if (saved_ >= 0 && ::dup2(2, 1) >= 0) return;
    if (saved_ >= 0) ::close(saved_);
    throw std::runtime_error("cannot redirect stdout");
  }
  ~StdoutToStderr() {
    std::cout.flush();
    std::fflush(stdout);
    ::dup2(saved_, 1);
    ::close(saved_);
  }
  StdoutToStderr(const StdoutToStderr&) = delete;
  StdoutToStderr& operator=(const StdoutToStderr&) = delete;

 private:
  int saved_;
};

std::string_view auth_name(http::Auth auth) {
  switch (auth) {
    case http::Auth::kNone:
      return "none";
    case http::Auth::kRequired:
      return "bearer";
    case http::Auth::kApiKey:
      return "apiKey";
  }
  return "unknown";
}

boost::json::object describe_route(const http::Route& route) {
  boost::json::object out{{"method", route.method},
                          {"path", route.pattern},
                          {"auth", auth_name(route.options.auth)},
                          {"jsonBody", route.options.json_body}};
  out["role"] = route.options.role ? boost::json::value(role_name(*route.options.role))
                                   : boost::json::value(nullptr);
  return out;
}

// The routes exactly as `serve` registers them: serve() itself runs on a default Config that
// points every file it writes into `dir`, and stops once the route table is complete.
boost::json::array routes(const std::filesystem::path& dir) {
  Config config;
  config.log_level = "warn";
  config.data_dir = dir.string();
  config.database.url = "sqlite:" + (dir / "describe.db").string();
  config.media_store = media::parse_media_store("dir:" + (dir / "media").string(), "us-east-1");
  boost::json::array out;
  const StdoutToStderr quiet;
  serve(config, [&out](http::Router& router) {
    for (const auto& r : router.routes()) out.push_back(describe_route(*r));
    if (const auto* fallback = router.fallback()) {
      auto row = describe_route(*fallback);
      row["fallback"] = true;
      out.push_back(std::move(row));
    }
  });
  return out;
}

boost::json::array error_codes() {
  static constexpr ErrorCode kCodes[] = {
#define GD_ERROR_CODE_VALUE(e, name, status, title) ErrorCode::e,
      GD_ERROR_CODES(GD_ERROR_CODE_VALUE)
#undef GD_ERROR_CODE_VALUE
  };
  boost::json::array out;
  for (const ErrorCode c : kCodes) {
    const auto& i = info(c);
    out.push_back(boost::json::object{{"code", i.name}, {"status", i.status}, {"title", i.title}});
  }
  return out;
}

}  // namespace

int describe_command(int argc, char** argv) {
  const std::string what = argc >= 2 ? argv[1] : "";
  if (what == "--help" || what == "-h" || what == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (argc != 2 || (what != "routes" && what != "error-codes")) {
    std::cerr << kUsage;
    return 2;
  }
  if (what == "error-codes") {
    std::cout << json::serialize(error_codes()) << "\n";
    return 0;
  }
  const TempDir dir;
  std::cout << json::serialize(routes(dir.path())) << "\n";
  return 0;
}

}  // namespace gd::app
