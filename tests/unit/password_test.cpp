// Password rules and Argon2id hashing on the bounded hashing pool (small parameters, so the
// tests stay fast).
#include "auth/password.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace {

using gd::auth::HashOptions;
using gd::auth::password_problem;
using gd::auth::PasswordHasher;

HashOptions small() {
  HashOptions o;
  o.threads = 1;
  o.max_pending = 4;
  o.ops_limit = 1;
  o.mem_limit_bytes = 8192u * 1024;
  return o;
}

// use_future needs a default-constructible result, which Result<T> is not: wrap it.
template <class T>
gd::Task<std::optional<T>> wrap(gd::Task<T> task) {
  co_return co_await std::move(task);
}

template <class T>
std::future<std::optional<T>> spawn(boost::asio::io_context& ioc, gd::Task<T> task) {
  return boost::asio::co_spawn(ioc, wrap(std::move(task)), boost::asio::use_future);
}

template <class T>
T run(boost::asio::io_context& ioc, gd::Task<T> task) {
  auto f = spawn(ioc, std::move(task));
  ioc.restart();
  ioc.run();
  return std::move(*f.get());
}

// ---- password_problem --------------------------------------------------------------------

TEST(PasswordRules, SevenCharactersIsTooShort) {
  EXPECT_EQ(password_problem("xk7#qPz"), "must be 8 to 128 characters");
  EXPECT_EQ(password_problem(""), "must be 8 to 128 characters");
}

TEST(PasswordRules, EightCharactersIsEnough) {
  EXPECT_EQ(password_problem("xk7#qPz!"), std::nullopt);
}

TEST(PasswordRules, CountsCharactersNotBytes) {
  // 8 two-byte characters: 16 bytes, 8 characters.
  EXPECT_EQ(password_problem("äöüßäöüß"), std::nullopt);
  // 7 three-byte characters: 21 bytes, but only 7 characters.
  EXPECT_EQ(password_problem("日本語日本語日"), "must be 8 to 128 characters");
  // 128 four-byte characters (512 bytes) is within the limit; 129 is not.
  std::string emoji128;
  for (int i = 0; i < 128; ++i) emoji128 += "🙂";
  EXPECT_EQ(password_problem(emoji128), std::nullopt);
  EXPECT_EQ(password_problem(emoji128 + "🙂"), "must be 8 to 128 characters");
}

TEST(PasswordRules, MaximumIs128Characters) {
  std::string pw;
  for (int i = 0; i < 128; ++i) pw.push_back(static_cast<char>('a' + (i * 7) % 26));
  EXPECT_EQ(password_problem(pw), std::nullopt);
  EXPECT_EQ(password_problem(pw + "q"), "must be 8 to 128 characters");
}

TEST(PasswordRules, CommonPasswordsAreRejectedInAnyCase) {
  for (const char* pw : {"password", "PASSWORD", "PaSsWoRd", "12345678", "password1", "Password1"})
    EXPECT_EQ(password_problem(pw), "is too common; choose another") << pw;
}

TEST(PasswordRules, SpacesAreKeptAndCounted) {
  // Not trimmed: a leading or trailing space makes 7 letters long enough...
  EXPECT_EQ(password_problem(" xk7qPzw"), std::nullopt);
  EXPECT_EQ(password_problem("xk7qPzw "), std::nullopt);
  // ...and makes a common password uncommon.
  EXPECT_EQ(password_problem(" password"), std::nullopt);
  EXPECT_EQ(password_problem("correct horse battery staple"), std::nullopt);
}

// ---- PasswordHasher ----------------------------------------------------------------------

TEST(PasswordHasher, PoolStartupLatchOutlivesItsWaiters) {
  // Meaningful under the asan preset: every construction races the pool threads against the
  // destruction of the start-up latch.
  for (int i = 0; i < 30; ++i) {
    HashOptions o = small();
    o.threads = 4;
    PasswordHasher hasher(o);
    EXPECT_EQ(hasher.pending(), 0u);
  }
}

TEST(PasswordHasher, HashThenVerifyRoundTrip) {
  PasswordHasher hasher(small());
  boost::asio::io_context ioc;
  auto h = run(ioc, hasher.hash("correct horse battery staple"));
  ASSERT_TRUE(h.ok()) << h.error().code;
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_NE(h->find("m=8192,t=1,p=1"), std::string::npos) << *h;

  auto good = run(ioc, hasher.verify(*h, "correct horse battery staple"));
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(*good);
  auto bad = run(ioc, hasher.verify(*h, "correct horse battery stapl"));
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(*bad);
  EXPECT_EQ(hasher.pending(), 0u);
}

TEST(PasswordHasher, SamePasswordHashesDifferently) {
  PasswordHasher hasher(small());
  boost::asio::io_context ioc;
  auto a = run(ioc, hasher.hash("same password"));
  auto b = run(ioc, hasher.hash("same password"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);  // random salt
}

TEST(PasswordHasher, VerifyWithoutHashIsFalse) {
  PasswordHasher hasher(small());
  boost::asio::io_context ioc;
  auto r = run(ioc, hasher.verify(std::nullopt, "anything at all"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  // Not even the dummy hash's own password gets in.
  auto dummy = run(ioc, hasher.verify(std::nullopt, "dummy password for timing equality"));
  ASSERT_TRUE(dummy.ok());
  EXPECT_FALSE(*dummy);
}

TEST(PasswordHasher, VerifyAgainstGarbageHashIsFalse) {
  PasswordHasher hasher(small());
  boost::asio::io_context ioc;
  auto r = run(ioc, hasher.verify(std::string("not a hash"), "anything"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(PasswordHasher, MoreThanMaxPendingAreRefusedWithServiceUnavailable) {
  PasswordHasher hasher(small());
  boost::asio::io_context ioc;
  std::vector<std::future<std::optional<gd::Result<std::string>>>> results;
  for (int i = 0; i < 10; ++i)
    results.push_back(spawn(ioc, hasher.hash("password number " + std::to_string(i))));
  ioc.run();
  int ok = 0, busy = 0;
  for (auto& f : results) {
    auto r = std::move(*f.get());
    if (r.ok()) {
      ++ok;
      EXPECT_EQ(r->rfind("$argon2id$", 0), 0u);
    } else {
      ++busy;
      EXPECT_EQ(r.error().code, gd::ErrorCode::kServiceUnavailable);
      EXPECT_EQ(r.error().retry_after_s, 1);
    }
  }
  // All ten start before the first hash finishes; four fit (queued + running).
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(busy, 6);
  EXPECT_EQ(hasher.pending(), 0u);

  // The slots are given back: the next one succeeds.
  auto again = run(ioc, hasher.hash("one more"));
  EXPECT_TRUE(again.ok());
}

TEST(PasswordHasher, VerifyCountsTowardsMaxPending) {
  PasswordHasher hasher(small());
  boost::asio::io_context ioc;
  auto h = run(ioc, hasher.hash("correct horse battery staple"));
  ASSERT_TRUE(h.ok());
  std::vector<std::future<std::optional<gd::Result<bool>>>> results;
  for (int i = 0; i < 6; ++i)
    results.push_back(spawn(ioc, hasher.verify(*h, "correct horse battery staple")));
  ioc.restart();
  ioc.run();
  int matched = 0, busy = 0;
  for (auto& f : results) {
    auto r = std::move(*f.get());
    if (r.ok()) {
      matched += *r ? 1 : 0;
    } else {
      ++busy;
      EXPECT_EQ(r.error().code, gd::ErrorCode::kServiceUnavailable);
    }
  }
  EXPECT_EQ(matched, 4);
  EXPECT_EQ(busy, 2);
}

TEST(PasswordHasher, BlockingHashVerifiesWithLibsodiumFormat) {
  const auto h = gd::auth::hash_password_blocking("hunter2hunter2", small());
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0), 0u) << h;
  PasswordHasher hasher(small());
  boost::asio::io_context ioc;
  auto r = run(ioc, hasher.verify(h, "hunter2hunter2"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
}

}  // namespace
