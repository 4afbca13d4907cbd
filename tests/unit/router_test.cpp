// Route matching: static and {param} segments, 404 versus 405 with an Allow list, HEAD as
// GET, and duplicate registrations.
#include "http/router.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using gd::Task;
using gd::http::Match;
using gd::http::Request;
using gd::http::Response;
using gd::http::Router;

// A handler that answers with its own name, so a test can tell which one was matched.
gd::http::Handler named(std::string name) {
  return [name](Request req) -> Task<Response> {
    std::string body = name;
    for (const auto& p : req.path_params) body += "|" + p;
    co_return Response::json(200, body);
  };
}

Router app_routes() {
  Router r;
  r.add("GET", "/healthz", {}, named("healthz"));
  r.add("GET", "/api/v1/users/me", {}, named("get-me"));
  r.add("PATCH", "/api/v1/users/me", {}, named("patch-me"));
  r.add("DELETE", "/api/v1/users/me", {}, named("delete-me"));
  r.add("GET", "/api/v1/users/me/export", {}, named("export"));
  r.add("GET", "/api/v1/users/{id}", {}, named("get-user"));
  r.add("POST", "/api/v1/auth/login", {}, named("login"));
  r.add("GET", "/api/v1/tasks/{taskId}/offers/{offerId}", {}, named("get-offer"));
  return r;
}

std::string call(const Match& m, std::vector<std::string> params) {
  boost::asio::io_context ioc;
  Request req;
  req.path_params = std::move(params);
  auto f = boost::asio::co_spawn(ioc, m.route->handler(std::move(req)), boost::asio::use_future);
  ioc.run();
  return f.get().body;
}

TEST(Router, MatchesStaticRoute) {
  const auto r = app_routes();
  const auto m = r.match("GET", "/healthz");
  ASSERT_EQ(m.kind, Match::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/healthz");
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_TRUE(m.params.empty());
  EXPECT_EQ(call(m, m.params), "healthz");
}

TEST(Router, ExtractsParameter) {
  const auto r = app_routes();
  const auto m = r.match("GET", "/api/v1/users/0190c0de-0000-7000-8000-000000000001");
  ASSERT_EQ(m.kind, Match::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/api/v1/users/{id}");
  EXPECT_EQ(m.params, (std::vector<std::string>{"0190c0de-0000-7000-8000-000000000001"}));
  EXPECT_EQ(call(m, m.params), "get-user|0190c0de-0000-7000-8000-000000000001");
}

TEST(Router, ExtractsSeveralParametersInOrder) {
  const auto r = app_routes();
  const auto m = r.match("GET", "/api/v1/tasks/t-1/offers/o-2");
  ASSERT_EQ(m.kind, Match::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/api/v1/tasks/{taskId}/offers/{offerId}");
  EXPECT_EQ(m.params, (std::vector<std::string>{"t-1", "o-2"}));
}

TEST(Router, StaticRouteRegisteredFirstWinsOverParameter) {
  const auto r = app_routes();
  const auto me = r.match("GET", "/api/v1/users/me");
  ASSERT_EQ(me.kind, Match::Kind::kFound);
  EXPECT_EQ(me.route->pattern, "/api/v1/users/me");
  EXPECT_TRUE(me.params.empty());
  const auto exp = r.match("GET", "/api/v1/users/me/export");
  ASSERT_EQ(exp.kind, Match::Kind::kFound);
  EXPECT_EQ(exp.route->pattern, "/api/v1/users/me/export");
}

TEST(Router, SegmentCountMustMatch) {
  const auto r = app_routes();
  EXPECT_EQ(r.match("GET", "/api/v1/users").kind, Match::Kind::kNotFound);
  EXPECT_EQ(r.match("GET", "/api/v1/users/abc/extra").kind, Match::Kind::kNotFound);
  EXPECT_EQ(r.match("GET", "/api/v1/tasks/t-1/offers").kind, Match::Kind::kNotFound);
  EXPECT_EQ(r.match("GET", "/api/v1/tasks/t-1/bids/o-2").kind, Match::Kind::kNotFound);
}

TEST(Router, UnknownPathIsNotFoundWithoutAllowList) {
  const auto r = app_routes();
  for (const char* path : {"/", "", "/nope", "/api/v1/auth/logins", "/HEALTHZ"}) {
    const auto m = r.match("GET", path);
    EXPECT_EQ(m.kind, Match::Kind::kNotFound) << path;
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_TRUE(m.allowed_methods.empty()) << path;
  }
}

TEST(Router, KnownPathWrongMethodIsMethodNotAllowedWithAllowList) {
  Router r;
  r.add("GET", "/api/v1/users/me", {}, named("get-me"));
  r.add("PATCH", "/api/v1/users/me", {}, named("patch-me"));
  r.add("DELETE", "/api/v1/users/me", {}, named("delete-me"));
  r.add("POST", "/api/v1/users/me/password", {}, named("password"));
  const auto m = r.match("PUT", "/api/v1/users/me");
  EXPECT_EQ(m.kind, Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.params.empty());
  EXPECT_EQ(m.allowed_methods, "GET, PATCH, DELETE");
}

// /api/v1/users/me is matched by both "/users/me" (GET, PATCH, DELETE) and "/users/{id}" (GET).
TEST(Router, AllowListNamesEachMethodOnceWhenPatternsOverlap) {
  const auto r = app_routes();
  const auto m = r.match("PUT", "/api/v1/users/me");
  EXPECT_EQ(m.kind, Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, "GET, PATCH, DELETE");
}

TEST(Router, AllowListForSingleMethodRoute) {
  const auto r = app_routes();
  const auto m = r.match("GET", "/api/v1/auth/login");
  EXPECT_EQ(m.kind, Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, "POST");
  const auto healthz = r.match("DELETE", "/healthz");
  EXPECT_EQ(healthz.kind, Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(healthz.allowed_methods, "GET");
}

TEST(Router, HeadMatchesGet) {
  const auto r = app_routes();
  const auto m = r.match("HEAD", "/api/v1/users/abc");
  ASSERT_EQ(m.kind, Match::Kind::kFound);
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_EQ(m.params, (std::vector<std::string>{"abc"}));
  // HEAD does not stand in for other methods.
  const auto login = r.match("HEAD", "/api/v1/auth/login");
  EXPECT_EQ(login.kind, Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(login.allowed_methods, "POST");
}

TEST(Router, MethodsAreCaseSensitive) {
  const auto r = app_routes();
  EXPECT_EQ(r.match("get", "/healthz").kind, Match::Kind::kMethodNotAllowed);
}

TEST(Router, DuplicateRouteThrows) {
  Router r;
  r.add("GET", "/api/v1/users/{id}", {}, named("a"));
  EXPECT_THROW(r.add("GET", "/api/v1/users/{id}", {}, named("b")), std::logic_error);
  // Parameter names do not make routes different.
  EXPECT_THROW(r.add("GET", "/api/v1/users/{userId}", {}, named("c")), std::logic_error);
  // Another method on the same pattern is fine.
  EXPECT_NO_THROW(r.add("PATCH", "/api/v1/users/{id}", {}, named("d")));
  EXPECT_EQ(r.routes().size(), 2u);
}

TEST(Router, KeepsRouteOptions) {
  Router r;
  r.add("POST", "/api/v1/auth/login", {gd::http::Auth::kNone, true, 4096}, named("login"));
  const auto m = r.match("POST", "/api/v1/auth/login");
  ASSERT_EQ(m.kind, Match::Kind::kFound);
  EXPECT_EQ(m.route->options.auth, gd::http::Auth::kNone);
  EXPECT_TRUE(m.route->options.json_body);
  EXPECT_EQ(m.route->options.max_body_bytes, 4096u);
}

}  // namespace
