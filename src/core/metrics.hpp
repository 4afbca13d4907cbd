// In-process metrics rendered in the Prometheus text format: per-route request counters and
// latency histograms, named business counters, gauges read at scrape time, constant info
// series (gooddeeds_build_info) and the process_* metrics of the Prometheus client libraries,
// read from /proc at scrape time.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gd {

class RouteMetrics {
 public:
  static constexpr std::array<double, 14> kBucketsS = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  RouteMetrics(std::string method, std::string route)
      : method_(std::move(method)), route_(std::move(route)) {}
  void observe(int status, double seconds);
  void render_counts(std::string& out) const;
  void render_histogram(std::string& out) const;

 private:
  std::string method_;
  std::string route_;
  std::array<std::atomic<std::uint64_t>, 500> by_status_{};  // index status - 100
  std::array<std::atomic<std::uint64_t>, kBucketsS.size()> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

// A latency histogram outside the HTTP routes (e.g. push delivery), one series per labels.
class Histogram {
 public:
  Histogram(std::string name, std::string help, std::string labels, std::vector<double> le_s);
  void observe(double seconds);
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  void render(std::string& out) const;

 private:
  std::string name_, help_, labels_;
  std::vector<double> le_s_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds and process_start_time_seconds of this process, as the
// Prometheus client libraries name them; a value /proc does not give is left out.
void render_process_metrics(std::string& out);

class Metrics {
 public:
  // Stable for the life of the registry; call at start-up, not per request.
  RouteMetrics& route(const std::string& method, const std::string& route);
  std::atomic<std::uint64_t>& counter(const std::string& name, const std::string& help);
  // One series of a labelled counter, e.g. labels = `type="refund"`; the series of one name
  // are rendered together under one HELP/TYPE.
  std::atomic<std::uint64_t>& counter(const std::string& name, const std::string& help,
                                      const std::string& labels);
  void gauge(const std::string& name, const std::string& help, std::function<double()> read);
  // One series of a histogram with upper bounds `le_s` (seconds, ascending).
  Histogram& histogram(const std::string& name, const std::string& help, const std::string& labels,
                       std::vector<double> le_s);
  // A constant series of value 1 whose labels carry the information, e.g. build_info.
  void info(const std::string& name, const std::string& help, const std::string& labels);
  std::string render() const;

 private:
  struct Counter {
    std::string name, help, labels;
    std::atomic<std::uint64_t> value{0};
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<RouteMetrics>> routes_;
  std::vector<std::unique_ptr<Counter>> counters_;
  std::vector<Gauge> gauges_;
  struct Info {
    std::string name, help, labels;
  };
  std::vector<Info> infos_;
  std::vector<std::unique_ptr<Histogram>> histograms_;
};

}  // namespace gd
