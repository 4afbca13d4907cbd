// The search page's hand-written task JSON against boost::json::serialize(task_json(...)):
// the same bytes for every kind of task and viewer, including strings that need escaping and
// numbers Boost.JSON writes in exponent form.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <cstdint>
#include <ctime>
#include <optional>
#include <random>
#include <string>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "tasks/task.hpp"

namespace {

using namespace gd::tasks;

std::string written(const HelpTask& t, std::string_view viewer, std::optional<double> d) {
  std::string out = "x";  // appends, never replaces
  write_task_json(out, t, viewer, d);
  return out.substr(1);
}

HelpTask plain() {
  HelpTask t;
  t.id = "0304465d-86ef-4cbd-894b-9bfadfce0f42";
  t.creator_id = "01a23d5d-634f-700e-92c6-0c1af1ed2ab8";
  t.title = "Help wanted";
  t.description = "A benchmark task";
  t.category = "garden";
  t.location = {52.520919431489351, 13.405454228207191};
  t.grid = {52.5205, 13.4051};
  t.points_reward = 19;
  t.created_at_ms = 1'795'341'600'123;
  t.updated_at_ms = 1'795'341'600'124;
  return t;
}

TEST(TaskJson, WrittenEqualsSerializedForAStranger) {
  const auto t = plain();
  for (std::optional<double> d : {std::optional<double>(), std::optional<double>(106.75),
                                  std::optional<double>(0.0), std::optional<double>(9999.96)})
    EXPECT_EQ(written(t, "someone", d), boost::json::serialize(task_json(t, "someone", d)));
}

TEST(TaskJson, WrittenEqualsSerializedForCreatorAndHelperWithEveryField) {
  auto t = plain();
  t.helper_id = "0192aaaa-634f-700e-92c6-0c1af1ed2ab8";
  t.project_id = "0192bbbb-634f-700e-92c6-0c1af1ed2ab8";
  t.title = "Quote \" backslash \\ slash / tab \t bell \x07 \xc3\xa4 \xf0\x9f\x99\x82";
  t.description = "line\nline\r\n\b\f\x1f end";
  t.status = Status::kCompleted;
  t.image_urls = {"https://example.test/a.jpg", "/media/b\"c.png"};
  t.completed_at_ms = -1;
  t.location = {-89.999999999999, 179.99999999999997};
  t.points_reward = 9'007'199'254'740'993;
  for (const auto& viewer : {t.creator_id, *t.helper_id, std::string("other")})
    EXPECT_EQ(written(t, viewer, 1.0 / 3.0),
              boost::json::serialize(task_json(t, viewer, 1.0 / 3.0)));
}

TEST(TaskJson, WrittenEqualsSerializedForRandomNumbers) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> lat(-90, 90), lng(-180, 180), dist(0, 50000);
  auto t = plain();
  for (int i = 0; i < 2000; ++i) {
    t.grid = {lat(rng), lng(rng)};
    t.points_reward = static_cast<std::int64_t>(rng() % 1000) - 500;
    t.created_at_ms = static_cast<std::int64_t>(rng() % 4'102'444'800'000);  // to 2100
    const double d = dist(rng);
    ASSERT_EQ(written(t, "v", d), boost::json::serialize(task_json(t, "v", d)));
  }
}

// The hand-written timestamp against the C library's calendar, across four centuries.
TEST(TaskJson, TimestampsMatchGmtime) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const auto ms = static_cast<std::int64_t>(rng() % 25'000'000'000'000) - 12'000'000'000'000;
    std::int64_t secs = ms / 1000, rest = ms % 1000;
    if (rest < 0) rest += 1000, secs -= 1;
    const std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(rest));
    ASSERT_EQ(gd::iso8601_ms(ms), want) << ms;
  }
}

}  // namespace
