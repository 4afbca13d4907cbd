// Coalesces concurrent point reads by key into one query. Lookups made on one thread while
// that thread's query is in flight wait, and the next query fetches all of them at once
// (`= ANY($1)`), so a burst of N lookups costs a couple of round trips instead of N. Meant
// for PostgreSQL, where a round trip costs far more than a row; every lookup still reads the
// committed row at the time of its query, so nothing is cached.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "store/db.hpp"

namespace gd::db {

class BatchedLookup {
 public:
  // `select` is a query with a WHERE clause; `key` a unique column (in the select list, at
  // index `key_column`) a lookup matches: `select AND key = ANY($1)` is run.
  BatchedLookup(Database& db, std::string select, std::string key, int key_column)
      : db_(db), select_(std::move(select)), key_(std::move(key)), key_column_(key_column) {}
  ~BatchedLookup();

  // The row whose key equals `value`, or none.
  Task<Rows> get(std::string value);
  // Queries run so far.
  std::uint64_t queries() const { return queries_.load(std::memory_order_relaxed); }

 private:
  struct Lane;
  struct Waiter;
  std::shared_ptr<Lane> lane();
  Task<void> drain(std::shared_ptr<Lane> lane);

  Database& db_;
  std::string select_, key_;
  int key_column_;
  std::atomic<std::uint64_t> queries_{0};
  std::mutex mutex_;
  std::unordered_map<std::thread::id, std::shared_ptr<Lane>> lanes_;
};

// A PostgreSQL array literal of text values: {"a","b"} with quotes and backslashes escaped.
std::string pg_text_array(const std::vector<std::string>& values);

}  // namespace gd::db
