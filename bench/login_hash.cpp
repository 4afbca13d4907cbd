// Argon2id per-hash cost on this machine, one thread, the server's parameters (t=2, 19 MiB,
// p=1): libsodium's crypto_pwhash_str_alg (which maps and populates fresh memory for every
// hash), Debian's libargon2 with its own allocation, and libargon2 on memory kept by the
// thread between hashes (what the server does). The variants run interleaved, round after
// round, so that a burst of other work on the machine hits all of them alike; the report
// gives each one's median wall, user and system time per hash.
//
//   login_hash [--rounds 7] [--per-round 10]
#include <argon2.h>
#include <sodium.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::uint32_t kTime = 2;
constexpr std::uint32_t kMemKiB = 19 * 1024;
constexpr std::string_view kPassword = "bench password 12345";

struct Sample {
  double wall_ms, user_ms, sys_ms;
};

double ms(const timeval& t) {
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
}

Sample measure(const std::function<void()>& hash_once, int n) {
  rusage r0{}, r1{};
  getrusage(RUSAGE_THREAD, &r0);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) hash_once();
  const auto t1 = std::chrono::steady_clock::now();
  getrusage(RUSAGE_THREAD, &r1);
  const double k = 1.0 / n;
  return {std::chrono::duration<double, std::milli>(t1 - t0).count() * k,
          (ms(r1.ru_utime) - ms(r0.ru_utime)) * k, (ms(r1.ru_stime) - ms(r0.ru_stime)) * k};
}

void fail(const char* what) {
  std::fprintf(stderr, "login_hash: %s failed\n", what);
  std::exit(1);
}

void sodium_hash() {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, kPassword.data(), kPassword.size(), kTime, kMemKiB * 1024ull,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    fail("crypto_pwhash_str_alg");
}

void argon2_hash() {
  unsigned char salt[16];
  randombytes_buf(salt, sizeof salt);
  char out[128];
  if (argon2id_hash_encoded(kTime, kMemKiB, 1, kPassword.data(), kPassword.size(), salt,
                            sizeof salt, 32, out, sizeof out) != ARGON2_OK)
    fail("argon2id_hash_encoded");
}

std::vector<std::uint8_t>& kept_memory() {
  static std::vector<std::uint8_t> memory;
  return memory;
}

int keep_allocate(std::uint8_t** memory, std::size_t bytes) {
  auto& kept = kept_memory();
  if (kept.size() < bytes) kept.resize(bytes);
  *memory = kept.data();
  return ARGON2_OK;
}

void keep_free(std::uint8_t*, std::size_t) {}

void argon2_kept_hash() {
  unsigned char salt[16];
  randombytes_buf(salt, sizeof salt);
  unsigned char tag[32];
  argon2_context c{};
  c.out = tag;
  c.outlen = sizeof tag;
  c.pwd = reinterpret_cast<std::uint8_t*>(const_cast<char*>(kPassword.data()));
  c.pwdlen = static_cast<std::uint32_t>(kPassword.size());
  c.salt = salt;
  c.saltlen = sizeof salt;
  c.t_cost = kTime;
  c.m_cost = kMemKiB;
  c.lanes = c.threads = 1;
  c.version = ARGON2_VERSION_13;
  c.allocate_cbk = keep_allocate;
  c.free_cbk = keep_free;
  if (argon2_ctx(&c, Argon2_id) != ARGON2_OK) fail("argon2_ctx");
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7, per_round = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--rounds")
      rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--per-round")
      per_round = std::max(1, std::atoi(argv[i + 1]));
    else
      fail("argument parsing (flags: --rounds N --per-round N)");
  }
  if (sodium_init() < 0) fail("sodium_init");
  struct Variant {
    const char* name;
    void (*hash_once)();
    std::vector<double> wall, user, sys;
  };
  std::vector<Variant> variants{
      {"libsodium 1.0.18 (fresh mapping per hash)", sodium_hash, {}, {}, {}},
      {"libargon2 (malloc per hash)", argon2_hash, {}, {}, {}},
      {"libargon2 (memory kept by the thread)", argon2_kept_hash, {}, {}, {}}};
  for (auto& v : variants) v.hash_once();  // warm-up: code, the kept buffer, malloc's thresholds
  for (int r = 0; r < rounds; ++r) {
    for (auto& v : variants) {
      const auto s = measure(v.hash_once, per_round);
      v.wall.push_back(s.wall_ms);
      v.user.push_back(s.user_ms);
      v.sys.push_back(s.sys_ms);
      std::printf("round %d  %-44s wall %6.2f ms  user %6.2f ms  sys %6.2f ms\n", r + 1, v.name,
                  s.wall_ms, s.user_ms, s.sys_ms);
    }
  }
  std::printf("\nmedian of %d rounds x %d hashes (Argon2id t=%u, m=%u KiB, p=1):\n", rounds,
              per_round, kTime, kMemKiB);
  for (auto& v : variants)
    std::printf("  %-44s wall %6.2f ms  user %6.2f ms  sys %6.2f ms  cpu %6.2f ms\n", v.name,
                median(v.wall), median(v.user), median(v.sys), median(v.user) + median(v.sys));
}
