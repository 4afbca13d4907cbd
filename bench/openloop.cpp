// Open-loop HTTP load generator: sends requests at a fixed offered rate whatever the server
// does, and measures each request's latency from the time it was scheduled to be sent, so a
// stall of the server counts for every request that should have gone out meanwhile (no
// coordinated omission). One thread, epoll, N keep-alive HTTP/1.1 connections, one request
// in flight per connection; a scheduled request that finds every connection busy waits in a
// queue, and that wait is part of its latency.
//
//   openloop --url http://127.0.0.1:8080 --rate 5000 [--duration 10] [--connections 32]
//            [--arrivals poisson|uniform] [--path /api/v1/users/me ...] [--paths-file FILE]
//            [--header 'Authorization: Bearer ...' ...] [--method GET] [--body TEXT]
//            [--seed 1] [--label NAME]
//
// Paths are taken from --path (repeatable) and --paths-file (one per line), in turn. The
// report gives the offered and achieved rate, status classes, p50/p90/p99/p99.9/max, and
// how late the generator itself woke to send (its own share of the numbers); the last line
// repeats them as key=value pairs for scripts.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Nanos = std::int64_t;

constexpr std::size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr Nanos kDrainNs = 5'000'000'000;  // after the last send: wait this long for answers

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "openloop: %s\n", what.c_str());
  std::exit(2);
}

Nanos now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 80;
  double rate = 1000;
  double duration_s = 10;
  int connections = 32;
  bool poisson = true;
  std::vector<std::string> paths;
  std::vector<std::string> headers;
  std::string method = "GET";
  std::string body;
  unsigned seed = 1;
  std::string label;
};

void parse_url(std::string_view url, Options& o) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) die("--url must be http://HOST:PORT (IPv4)");
  url.remove_prefix(scheme.size());
  if (auto slash = url.find('/'); slash != std::string_view::npos) url = url.substr(0, slash);
  auto colon = url.rfind(':');
  o.host = std::string(url.substr(0, colon));
  if (colon != std::string_view::npos)
    o.port = std::atoi(std::string(url.substr(colon + 1)).c_str());
  if (o.port <= 0 || o.port > 65535) die("bad port in --url");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) die(std::string(flag) + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--url") {
      parse_url(value, o);
    } else if (flag == "--rate") {
      o.rate = std::atof(value.c_str());
    } else if (flag == "--duration") {
      o.duration_s = std::atof(value.c_str());
    } else if (flag == "--connections") {
      o.connections = std::atoi(value.c_str());
    } else if (flag == "--arrivals") {
      if (value != "poisson" && value != "uniform") die("--arrivals is poisson or uniform");
      o.poisson = value == "poisson";
    } else if (flag == "--path") {
      o.paths.push_back(value);
    } else if (flag == "--paths-file") {
      std::ifstream in(value);
      if (!in) die("cannot read " + value);
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) o.paths.push_back(line);
    } else if (flag == "--header") {
      if (value.find(':') == std::string::npos) die("--header must be 'Name: value'");
      o.headers.push_back(value);
    } else if (flag == "--method") {
      o.method = value;
    } else if (flag == "--body") {
      o.body = value;
    } else if (flag == "--seed") {
      o.seed = static_cast<unsigned>(std::atoi(value.c_str()));
    } else if (flag == "--label") {
      o.label = value;
    } else {
      die("unknown flag " + std::string(flag));
    }
  }
  if (!(o.rate > 0) || !(o.duration_s > 0)) die("--rate and --duration must be positive");
  if (o.connections < 1 || o.connections > 10000) die("--connections must be 1..10000");
  if (o.paths.empty()) o.paths.push_back("/");
  return o;
}

// Send times in nanoseconds from the start: exponential gaps (Poisson arrivals) or even ones.
std::vector<Nanos> schedule(const Options& o) {
  std::mt19937_64 rng(o.seed);
  std::exponential_distribution<double> gap(o.rate);
  const double end_s = o.duration_s;
  std::vector<Nanos> out;
  out.reserve(static_cast<std::size_t>(o.rate * o.duration_s * 1.1) + 16);
  double t = 0;
  for (std::size_t i = 0;; ++i) {
    t = o.poisson ? t + gap(rng) : static_cast<double>(i) / o.rate;
    if (t >= end_s) break;
    out.push_back(static_cast<Nanos>(t * 1e9));
  }
  return out;
}

struct Conn {
  int fd = -1;
  bool busy = false;
  Nanos scheduled = 0;                   // of the request in flight
  const std::string* request = nullptr;  // in flight
  std::size_t written = 0;               // bytes of it sent so far
  std::uint32_t watching = 0;            // the epoll event mask
  std::string in;                        // bytes read of the current response
};

struct Stats {
  std::vector<std::uint32_t> latency_us;  // of every completed request
  std::size_t status[6] = {};             // by class: [2] = 2xx ...
  std::size_t errors = 0;                 // connection failures and malformed answers
  std::size_t unanswered = 0;             // still in flight or queued at the end
  double late_sum_us = 0;                 // how late the generator woke for a send, summed
  Nanos late_max = 0;
  std::size_t sent = 0;
  std::size_t scheduled = 0;
  std::size_t max_queue = 0;
};

class Generator {
 public:
  explicit Generator(Options o) : o_(std::move(o)) {
    for (const auto& path : o_.paths) {
      std::string r = o_.method + " " + path + " HTTP/1.1\r\nHost: " + o_.host + ":" +
                      std::to_string(o_.port) + "\r\nConnection: keep-alive\r\n";
      for (const auto& h : o_.headers) r += h + "\r\n";
      if (!o_.body.empty())
        r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(o_.body.size()) +
             "\r\n";
      r += "\r\n" + o_.body;
      requests_.push_back(std::move(r));
    }
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1 failed");
    conns_.resize(static_cast<std::size_t>(o_.connections));
    for (std::size_t i = 0; i < conns_.size(); ++i) open(i);
  }

  Stats run() {
    const auto plan = schedule(o_);
    stats_.latency_us.reserve(plan.size());
    const Nanos start = now_ns() + 1'000'000;
    std::size_t next = 0;
    std::vector<epoll_event> events(conns_.size());
    for (;;) {
      const Nanos now = now_ns();
      while (next < plan.size() && start + plan[next] <= now) {
        const Nanos scheduled = start + plan[next++];
        stats_.late_sum_us += static_cast<double>(now - scheduled) / 1e3;
        stats_.late_max = std::max(stats_.late_max, now - scheduled);
        queue_.push_back(scheduled);
        ++stats_.scheduled;
      }
      stats_.max_queue = std::max(stats_.max_queue, queue_.size());
      dispatch();
      const bool sending = next < plan.size();
      if (!sending && queue_.empty() && in_flight_ == 0) break;
      if (!sending && now > start + plan.back() + kDrainNs) break;
      const Nanos until = sending ? start + plan[next] : now + 100'000'000;
      const Nanos wait = std::max<Nanos>(0, until - now);
      timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                  static_cast<long>(wait % 1'000'000'000)};
      const int n = epoll_pwait2(ep_, events.data(), static_cast<int>(events.size()), &ts, nullptr);
      if (n < 0 && errno != EINTR) die("epoll_pwait2 failed");
      for (int i = 0; i < n; ++i) on_event(events[static_cast<std::size_t>(i)]);
    }
    stats_.unanswered = queue_.size() + in_flight_;
    elapsed_s_ = static_cast<double>(now_ns() - start) / 1e9;
    return stats_;
  }

  double elapsed_s() const { return elapsed_s_; }

 private:
  void open(std::size_t i) {
    Conn& c = conns_[i];
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
    }
    c = Conn{};
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die("socket failed");
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(o_.port));
    if (inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr) != 1)
      die("--url host must be an IPv4 address");
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS)
      die("connect failed: " + std::string(std::strerror(errno)));
    epoll_event ev{};
    ev.events = c.watching = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = i;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) != 0) die("epoll_ctl failed");
    free_.push_back(i);
  }

  void dispatch() {
    while (!queue_.empty() && !free_.empty()) {
      const std::size_t i = free_.back();
      free_.pop_back();
      Conn& c = conns_[i];
      c.busy = true;
      c.scheduled = queue_.front();
      queue_.pop_front();
      c.request = &requests_[stats_.sent++ % requests_.size()];
      c.written = 0;
      c.in.clear();
      ++in_flight_;
      write_some(i);
    }
  }

  void write_some(std::size_t i) {
    Conn& c = conns_[i];
    while (c.written < c.request->size()) {
      const ssize_t n =
          send(c.fd, c.request->data() + c.written, c.request->size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == ENOTCONN)) {
        watch(i, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
        return;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        fail(i);
        return;
      }
    }
    watch(i, EPOLLIN | EPOLLRDHUP);
  }

  void watch(std::size_t i, std::uint32_t events) {
    if (conns_[i].watching == events) return;
    conns_[i].watching = events;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_MOD, conns_[i].fd, &ev);
  }

  void on_event(const epoll_event& ev) {
    const std::size_t i = ev.data.u64;
    Conn& c = conns_[i];
    if ((ev.events & EPOLLOUT) && c.busy && c.written < c.request->size()) write_some(i);
    if (!(ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (!c.busy) {  // bytes nobody asked for
          fail(i);
          return;
        }
        c.in.append(buf, static_cast<std::size_t>(n));
        if (c.in.size() > kMaxResponseBytes) {
          fail(i);
          return;
        }
        if (parse_response(i)) return;  // level-triggered: anything more wakes us again
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      // EOF or error: a request in flight is lost; either way, reconnect.
      if (c.busy)
        fail(i);
      else
        reopen_idle(i);
      return;
    }
    if (c.busy) parse_response(i);
  }

  void reopen_idle(std::size_t i) {
    free_.erase(std::remove(free_.begin(), free_.end(), i), free_.end());
    open(i);
  }

  void fail(std::size_t i) {
    if (conns_[i].busy) {
      --in_flight_;
      ++stats_.errors;
    } else {
      free_.erase(std::remove(free_.begin(), free_.end(), i), free_.end());
    }
    open(i);
  }

  // Whole response read? Then record it, free the connection and return true (also after a
  // malformed one, which counts as an error). Content-Length and chunked bodies are understood.
  bool parse_response(std::size_t i) {
    Conn& c = conns_[i];
    const auto head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    const std::string_view head(c.in.data(), head_end);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
      fail(i);
      return true;
    }
    const int status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    const std::size_t body_at = head_end + 4;
    const bool close_after = header_value(head, "connection") == "close";
    if (const auto length = header_value(head, "content-length"); !length.empty()) {
      const auto len = std::strtoull(std::string(length).c_str(), nullptr, 10);
      if (c.in.size() < body_at + len) return false;
    } else if (header_value(head, "transfer-encoding") == "chunked") {
      std::size_t at = body_at;
      for (;;) {
        const auto eol = c.in.find("\r\n", at);
        if (eol == std::string::npos) return false;
        const auto size = std::strtoull(c.in.c_str() + at, nullptr, 16);
        at = eol + 2 + size + 2;
        if (c.in.size() < at) return false;
        if (size == 0) break;
      }
    } else if (status != 204 && status != 304 && status >= 200) {
      fail(i);
      return true;
    }
    const Nanos latency = now_ns() - c.scheduled;
    stats_.latency_us.push_back(
        static_cast<std::uint32_t>(std::min<Nanos>(latency / 1000, UINT32_MAX)));
    ++stats_.status[std::clamp(status / 100, 0, 5)];
    --in_flight_;
    c.busy = false;
    c.in.clear();
    if (close_after) {
      open(i);
    } else {
      free_.push_back(i);
    }
    return true;
  }

  // The value of header `name` (lower case) in a response head, or "".
  static std::string_view header_value(std::string_view head, std::string_view name) {
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;) {
      const std::size_t start = at + 2;
      const std::size_t end = std::min(head.find("\r\n", start), head.size());
      const std::string_view line = head.substr(start, end - start);
      if (line.size() > name.size() && line[name.size()] == ':' &&
          std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
          })) {
        std::string_view value = line.substr(name.size() + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        return value;
      }
      at = end < head.size() ? end : std::string_view::npos;
    }
    return {};
  }

  Options o_;
  int ep_ = -1;
  std::vector<std::string> requests_;
  std::vector<Conn> conns_;
  std::vector<std::size_t> free_;
  std::deque<Nanos> queue_;
  std::size_t in_flight_ = 0;
  Stats stats_;
  double elapsed_s_ = 0;
};

double percentile_ms(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto k =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, k == 0 ? 0 : k - 1)] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  prctl(PR_SET_TIMERSLACK, 1UL);  // wake up on time, not up to 50 us late
  Generator g(o);
  Stats s = g.run();
  std::sort(s.latency_us.begin(), s.latency_us.end());
  const double done = static_cast<double>(s.latency_us.size());
  const double achieved = done / o.duration_s;
  const double p50 = percentile_ms(s.latency_us, 50), p90 = percentile_ms(s.latency_us, 90),
               p99 = percentile_ms(s.latency_us, 99), p999 = percentile_ms(s.latency_us, 99.9),
               max = s.latency_us.empty() ? 0 : s.latency_us.back() / 1000.0;
  const double late_mean_us = s.scheduled ? s.late_sum_us / static_cast<double>(s.scheduled) : 0;
  std::printf(
      "%s%s%.0f req/s offered (%s), %d connections, %.1f s: %.0f answered (%.0f/s), "
      "%zu 2xx, %zu 3xx, %zu 4xx, %zu 5xx, %zu errors, %zu unanswered\n",
      o.label.c_str(), o.label.empty() ? "" : ": ", o.rate, o.poisson ? "Poisson" : "uniform",
      o.connections, o.duration_s, done, achieved, s.status[2], s.status[3], s.status[4],
      s.status[5], s.errors, s.unanswered);
  std::printf(
      "  latency from the scheduled send: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
      "p99.9 %.3f ms, max %.3f ms\n",
      p50, p90, p99, p999, max);
  std::printf(
      "  generator: woke %.1f us late on average, %.3f ms at most; longest wait for a connection: "
      "%zu requests\n",
      late_mean_us, static_cast<double>(s.late_max) / 1e6, s.max_queue);
  std::printf(
      "RESULT label=%s offered=%.0f achieved=%.1f ok=%zu non2xx=%zu errors=%zu "
      "unanswered=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f "
      "late_mean_us=%.1f\n",
      o.label.empty() ? "-" : o.label.c_str(), o.rate, achieved, s.status[2],
      s.status[1] + s.status[3] + s.status[4] + s.status[5] + s.status[0], s.errors, s.unanswered,
      p50, p90, p99, p999, max, late_mean_us);
  return 0;
}
