// GET /users/me/points, and the ledger's part of a user's data export.
#pragma once
#include <boost/json/object.hpp>

#include "core/page.hpp"
#include "http/idempotency.hpp"
#include "http/types.hpp"
#include "points/ledger.hpp"
#include "users/account_part.hpp"

namespace gd::points {

void add_routes(http::RouteTable& routes, Ledger& ledger, const CursorCodec& cursors);

// POST /admin/users/{id}/points {amount, reason}.
struct Adjustment {
  std::int64_t amount = 0;
  std::string reason;
};
Result<Adjustment> read_adjustment(const boost::json::object& o);
// POST /admin/users/{id}/points (role admin), which honours Idempotency-Key through `keys`.
void add_admin_routes(http::RouteTable& routes, Ledger& ledger, IdempotencyStore& keys);

// Ledger rows are exported; on erasure they stay (the user row they point to is anonymised).
class LedgerPart final : public users::AccountPart {
 public:
  explicit LedgerPart(Ledger& ledger) : ledger_(ledger) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string) override { co_return; }

 private:
  Ledger& ledger_;
};

}  // namespace gd::points
