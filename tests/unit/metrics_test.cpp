// The exposition of core/metrics: info series, the process_* series read from /proc, and
// histograms as Prometheus reads them (cumulative buckets, _sum, _count).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <optional>
#include <regex>
#include <string>

#include "core/metrics.hpp"

namespace gd {
namespace {

// The value of the sample `series` (name with its labels as rendered), if present.
std::optional<double> sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(Metrics, InfoSeriesIsOneWithItsLabels) {
  Metrics m;
  m.info("gooddeeds_build_info", "The build.", "version=\"1.2.3\",backend=\"sqlite\"");
  const auto text = m.render();
  EXPECT_NE(text.find("# TYPE gooddeeds_build_info gauge\n"
                      "gooddeeds_build_info{version=\"1.2.3\",backend=\"sqlite\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, ProcessSeriesFollowTheProcess) {
  Metrics m;
  const auto before = m.render();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"})
    EXPECT_TRUE(sample(before, name).has_value()) << name << " in\n" << before;
  EXPECT_NE(before.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  const double start = *sample(before, "process_start_time_seconds");
  EXPECT_LE(start, static_cast<double>(std::time(nullptr)) + 1);
  EXPECT_GT(start, static_cast<double>(std::time(nullptr)) - 3600);
  EXPECT_GT(*sample(before, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(*sample(before, "process_virtual_memory_bytes"),
            *sample(before, "process_resident_memory_bytes"));

  // Three more descriptors are three more in the next scrape.
  int fds[3];
  for (int& fd : fds) fd = ::open("/dev/null", O_RDONLY);
  const auto after = m.render();
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(*sample(after, "process_open_fds"), *sample(before, "process_open_fds") + 3);
  EXPECT_GT(*sample(after, "process_max_fds"), *sample(after, "process_open_fds"));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics m;
  auto& h = m.histogram("t_wait_seconds", "Waits.", "", {0.001, 0.1, 1});
  h.observe(0.0005);
  h.observe(0.05);
  h.observe(0.05);
  h.observe(3);
  const auto text = m.render();
  EXPECT_EQ(sample(text, "t_wait_seconds_bucket{le=\"0.001\"}"), 1);
  EXPECT_EQ(sample(text, "t_wait_seconds_bucket{le=\"0.1\"}"), 3);
  EXPECT_EQ(sample(text, "t_wait_seconds_bucket{le=\"1\"}"), 3);
  EXPECT_EQ(sample(text, "t_wait_seconds_bucket{le=\"+Inf\"}"), 4);
  EXPECT_EQ(sample(text, "t_wait_seconds_count"), 4);
  EXPECT_NEAR(*sample(text, "t_wait_seconds_sum"), 3.1005, 1e-5);
}

}  // namespace
}  // namespace gd
