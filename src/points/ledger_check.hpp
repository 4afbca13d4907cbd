// The ledger's invariants, checked over the whole database (`gooddeeds verify-ledger`): every
// balance equals the sum of its rows and is not negative, no task pays out twice, every
// redemption has exactly one debit (and a refunded one exactly one refund), and every row
// has the shape its type demands.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "store/db.hpp"

namespace gd::points {

struct LedgerReport {
  std::int64_t users = 0;
  std::int64_t rows = 0;
  std::int64_t redemptions = 0;
  std::vector<std::string> violations;  // one line each; at most 100 per invariant
  bool ok() const { return violations.empty(); }
};

Task<LedgerReport> verify_ledger(db::Database& db);

}  // namespace gd::points
