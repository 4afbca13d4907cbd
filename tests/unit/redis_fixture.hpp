// A redis-server of a test's own (Debian's, from scripts/deps) on a free port in a temporary
// directory, and eventually(), which polls a condition.
#pragma once
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "redis/redis_client.hpp"

extern char** environ;

namespace gd::testing {

using namespace std::chrono_literals;
using gd::redis::Client;
using gd::redis::ClientOptions;

inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 5s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

// A redis-server of its own, stopped (and its directory removed) at the end.
struct RedisServer {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("gd-redis-" + gd::uuid_v4());
  int port = free_port();
  pid_t pid = -1;

  RedisServer() {
    std::filesystem::create_directories(dir);
    start();
  }
  ~RedisServer() {
    stop();
    std::filesystem::remove_all(dir);
  }
  void start() {
    const std::string p = std::to_string(port), d = dir.string();
    std::vector<std::string> args{"redis-server",
                                  "--port",
                                  p,
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  d,
                                  "--logfile",
                                  d + "/redis.log",
                                  "--enable-debug-command",
                                  "local"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid, "redis-server", nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("redis-server could not be started (scripts/deps installs it)");
    Client probe({{"127.0.0.1", port, 0}, 200, 200});
    if (!eventually([&] { return probe.connected(); }))
      throw std::runtime_error("redis-server did not come up");
  }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
  ClientOptions options(int db = 0) const { return {{"127.0.0.1", port, db}, 500, 500}; }
};

}  // namespace gd::testing
