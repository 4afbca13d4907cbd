// Log lines: W3C traceparent validation, JSON escaping of text that is not UTF-8, the JSON
// line formatter (request ids lifted out of application messages, audit fields), the access
// line, and the redaction of database passwords in the start-up report.
#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <boost/json/parse.hpp>
#include <string>

#include "app/first_run.hpp"
#include "app/log_sinks.hpp"
#include "http/log.hpp"
#include "http/pipeline.hpp"

namespace {

using gd::http::trace_id_of;

boost::json::object parse(const std::string& line) {
  return boost::json::parse(line).as_object();
}

std::string format(gd::app::JsonLineFormatter& f, std::string_view payload,
                   spdlog::level::level_enum level = spdlog::level::info) {
  spdlog::details::log_msg msg("gooddeeds", level, payload);
  spdlog::memory_buf_t out;
  f.format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(TraceParent, AcceptsVersion00) {
  EXPECT_EQ(trace_id_of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceParent, RefusesMalformedOnes) {
  for (const char* h : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // 00 is exact
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // uppercase
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",        // dashes misplaced
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",        // flags not hex
           "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // version not hex
       })
    EXPECT_FALSE(trace_id_of(h)) << h;
}

TEST(TraceParent, LaterVersionsMayAddFields) {
  EXPECT_TRUE(trace_id_of("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-abcd"));
  EXPECT_FALSE(trace_id_of("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01abcd"));
}

TEST(LogText, InvalidUtf8BecomesReplacementCharacters) {
  std::string out;
  gd::http::append_log_text(out, std::string("a\xff\"b\n", 5));
  EXPECT_EQ(out, "a\\ufffd\\\"b\\n");
  std::string ok;
  gd::http::append_log_text(ok, "\xc3\xa9");  // é stays as it is
  EXPECT_EQ(ok, "\xc3\xa9");
}

TEST(JsonLineFormatter, LiftsTheRequestIdOutOfTheMessage) {
  gd::app::JsonLineFormatter f("app", false);
  const auto line = format(f, "request_id=abc-1 GET /x failed: \"quoted\"\n", spdlog::level::err);
  ASSERT_EQ(line.back(), '\n');
  const auto o = parse(line);
  EXPECT_EQ(o.at("level").as_string(), "error");
  EXPECT_EQ(o.at("type").as_string(), "app");
  EXPECT_EQ(o.at("requestId").as_string(), "abc-1");
  EXPECT_EQ(o.at("msg").as_string(), "GET /x failed: \"quoted\"\n");
  EXPECT_EQ(o.at("ts").as_string().size(), 24u);
}

TEST(JsonLineFormatter, PlainMessagesHaveNoRequestId) {
  gd::app::JsonLineFormatter f("app", false);
  const auto o = parse(format(f, "database ready", spdlog::level::warn));
  EXPECT_EQ(o.at("level").as_string(), "warn");
  EXPECT_FALSE(o.contains("requestId"));
}

TEST(JsonLineFormatter, AuditLinesCarryTheirFields) {
  gd::app::JsonLineFormatter f("audit", true);
  const auto o =
      parse(format(f, gd::http::audit_fields("api_key.issue", "admin-1", "key-1", "r1")));
  EXPECT_EQ(o.at("type").as_string(), "audit");
  EXPECT_EQ(o.at("action").as_string(), "api_key.issue");
  EXPECT_EQ(o.at("adminId").as_string(), "admin-1");
  EXPECT_EQ(o.at("targetId").as_string(), "key-1");
  EXPECT_EQ(o.at("requestId").as_string(), "r1");
}

TEST(AccessLine, IsOneJsonObjectWithTheRouteTemplate) {
  gd::http::Route route;
  route.pattern = "/api/v1/tasks/{id}";
  gd::http::Exchange ex;
  ex.method = "GET";
  ex.path = std::string("/api/v1/tasks/\xff", 15);
  ex.request_id = "r1";
  ex.user_agent = "agent \"x\"";
  ex.user_id = "u1";
  ex.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  ex.match.kind = gd::http::Match::Kind::kFound;
  ex.match.route = &route;
  const auto o = parse(gd::http::access_line(ex, 200, 0.0015, 12));
  EXPECT_EQ(o.at("route").as_string(), "/api/v1/tasks/{id}");
  EXPECT_EQ(o.at("path").as_string(), "/api/v1/tasks/\xef\xbf\xbd");
  EXPECT_EQ(o.at("userAgent").as_string(), "agent \"x\"");
  EXPECT_EQ(o.at("userId").as_string(), "u1");
  EXPECT_EQ(o.at("traceId").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_EQ(o.at("type").as_string(), "access");
}

TEST(FirstRun, RedactsDatabasePasswords) {
  using gd::app::redact_database_url;
  EXPECT_EQ(redact_database_url("postgres://gd:s3cret@db:5432/gd"), "postgres://gd:***@db:5432/gd");
  EXPECT_EQ(redact_database_url("postgres://gd@db/gd?password=x&sslmode=require"),
            "postgres://gd@db/gd?password=***&sslmode=require");
  EXPECT_EQ(redact_database_url("sqlite:/var/lib/gd/gooddeeds.db"),
            "sqlite:/var/lib/gd/gooddeeds.db");
  EXPECT_EQ(gd::app::base_url("0.0.0.0", 80), "http://localhost:80");
  EXPECT_EQ(gd::app::base_url("::1", 8080), "http://[::1]:8080");
}

}  // namespace
