// Prometheus text exposition; counters are relaxed atomics so the hot path never locks.
#include "core/metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>

namespace gd {
namespace {

// One observation of a histogram: its bucket (by upper bound, not yet cumulative), count, sum.
void observe_into(const double* le_s, std::atomic<std::uint64_t>* buckets, std::size_t n,
                  std::atomic<std::uint64_t>& count, std::atomic<std::uint64_t>& sum_us,
                  double seconds) {
  for (std::size_t i = 0; i < n; ++i) {
    if (seconds <= le_s[i]) {
      buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count.fetch_add(1, std::memory_order_relaxed);
  sum_us.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The fields of /proc/self/stat after the command name (which may hold spaces and
// parentheses, hence the last ')'), so fields()[0] is field 3, "state".
std::vector<std::string> stat_fields() {
  const std::string stat = read_file("/proc/self/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(stat.substr(close + 1));
  return {std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
}

// The boot time in seconds since the epoch ("btime" in /proc/stat).
std::optional<double> boot_time_s() {
  std::istringstream in(read_file("/proc/stat"));
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::optional<double> open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return std::nullopt;
  double n = 0;
  while (const dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n - 1;  // the descriptor of the listing itself
}

void sample_line(std::string& out, const char* name, const char* type, const char* help,
                 double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

}  // namespace

void render_process_metrics(std::string& out) {
  const auto f = stat_fields();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto field = [&f](std::size_t n) { return std::stod(f[n - 3]); };  // n: stat field
  if (f.size() >= 22 && ticks > 0) {  // up to field 24, rss: f[21]
    sample_line(out, "process_cpu_seconds_total", "counter",
                "Total user and system CPU time spent in seconds.",
                (field(14) + field(15)) / ticks);
    sample_line(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                field(23));
    sample_line(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                field(24) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    if (const auto boot = boot_time_s())
      sample_line(out, "process_start_time_seconds", "gauge",
                  "Start time of the process since unix epoch in seconds.",
                  *boot + field(22) / ticks);
  }
  if (const auto fds = open_fds())
    sample_line(out, "process_open_fds", "gauge", "Number of open file descriptors.", *fds);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    sample_line(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                static_cast<double>(limit.rlim_cur));
}

void RouteMetrics::observe(int status, double seconds) {
  if (status >= 100 && status < 600)
    by_status_[static_cast<std::size_t>(status - 100)].fetch_add(1, std::memory_order_relaxed);
  observe_into(kBucketsS.data(), buckets_.data(), kBucketsS.size(), count_, sum_us_, seconds);
}

void RouteMetrics::render_counts(std::string& out) const {
  for (std::size_t i = 0; i < by_status_.size(); ++i) {
    const auto n = by_status_[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    out += fmt::format("http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       method_, route_, i + 100, n);
  }
}

void RouteMetrics::render_histogram(std::string& out) const {
  const auto count = count_.load(std::memory_order_relaxed);
  if (count == 0) return;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBucketsS.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format(
        "http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"{}\"}} {}\n",
        method_, route_, kBucketsS[i], cumulative);
  }
  out += fmt::format(
      "http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"+Inf\"}} {}\n",
      method_, route_, count);
  out += fmt::format("http_request_duration_seconds_sum{{method=\"{}\",route=\"{}\"}} {}\n",
                     method_, route_, static_cast<double>(sum_us_.load()) / 1e6);
  out += fmt::format("http_request_duration_seconds_count{{method=\"{}\",route=\"{}\"}} {}\n",
                     method_, route_, count);
}

Histogram::Histogram(std::string name, std::string help, std::string labels,
                     std::vector<double> le_s)
    : name_(std::move(name)),
      help_(std::move(help)),
      labels_(std::move(labels)),
      le_s_(std::move(le_s)),
      buckets_(new std::atomic<std::uint64_t>[le_s_.size()]()) {}

void Histogram::observe(double seconds) {
  observe_into(le_s_.data(), buckets_.get(), le_s_.size(), count_, sum_us_, seconds);
}

void Histogram::render(std::string& out) const {
  const std::string sep = labels_.empty() ? "" : labels_ + ",";
  const std::string own = labels_.empty() ? "" : "{" + labels_ + "}";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < le_s_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name_, sep, le_s_[i], cumulative);
  }
  const auto count = count_.load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name_, sep, count);
  out += fmt::format("{}_sum{} {}\n", name_, own, static_cast<double>(sum_us_.load()) / 1e6);
  out += fmt::format("{}_count{} {}\n", name_, own, count);
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              const std::string& labels, std::vector<double> le_s) {
  std::lock_guard lock(mu_);
  histograms_.push_back(std::make_unique<Histogram>(name, help, labels, std::move(le_s)));
  return *histograms_.back();
}

RouteMetrics& Metrics::route(const std::string& method, const std::string& route) {
  std::lock_guard lock(mu_);
  routes_.push_back(std::make_unique<RouteMetrics>(method, route));
  return *routes_.back();
}

std::atomic<std::uint64_t>& Metrics::counter(const std::string& name, const std::string& help) {
  return counter(name, help, "");
}

std::atomic<std::uint64_t>& Metrics::counter(const std::string& name, const std::string& help,
                                             const std::string& labels) {
  std::lock_guard lock(mu_);
  for (auto& c : counters_)
    if (c->name == name && c->labels == labels) return c->value;
  auto c = std::make_unique<Counter>();
  c->name = name;
  c->help = help;
  c->labels = labels;
  counters_.push_back(std::move(c));
  return counters_.back()->value;
}

void Metrics::info(const std::string& name, const std::string& help, const std::string& labels) {
  std::lock_guard lock(mu_);
  infos_.push_back(Info{name, help, labels});
}

void Metrics::gauge(const std::string& name, const std::string& help,
                    std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back(Gauge{name, help, std::move(read)});
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE http_requests_total counter\n";
  for (const auto& r : routes_) r->render_counts(out);
  out += "# HELP http_request_duration_seconds HTTP request latency by route.\n";
  out += "# TYPE http_request_duration_seconds histogram\n";
  for (const auto& r : routes_) r->render_histogram(out);
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    const auto& head = *counters_[i];
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = counters_[j]->name == head.name;
    if (seen) continue;  // rendered with the first series of its name
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", head.name, head.help, head.name);
    for (std::size_t j = i; j < counters_.size(); ++j) {
      const auto& c = *counters_[j];
      if (c.name != head.name) continue;
      out += c.name;
      if (!c.labels.empty()) out += "{" + c.labels + "}";
      out += fmt::format(" {}\n", c.value.load(std::memory_order_relaxed));
    }
  }
  for (std::size_t i = 0; i < histograms_.size(); ++i) {
    const auto& h = *histograms_[i];
    if (i == 0 || histograms_[i - 1]->name() != h.name())
      out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", h.name(), h.help(), h.name());
    h.render(out);
  }
  for (const auto& g : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name,
                       g.read());
  }
  for (const auto& i : infos_)
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{}{{{}}} 1\n", i.name, i.help, i.name,
                       i.name, i.labels);
  render_process_metrics(out);
  return out;
}

}  // namespace gd
