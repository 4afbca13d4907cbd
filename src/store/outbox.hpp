// What the outbox tables (push_deliveries, mail_outbox) share: rows with `next_attempt_at`
// and `attempts`, claimed by a worker in a transaction (SKIP LOCKED on PostgreSQL) and leased
// until they are done or the lease runs out (a crashed sender's rows come back: at least once).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "store/db.hpp"

namespace gd::db {

// Whether any row of `table` is due at `now`: read first, so an idle worker never takes the
// write lock.
Task<bool> outbox_due(Database& db, std::string_view table, std::int64_t now);

// The lease of claimed rows: one attempt more, not due again before `until`.
Task<void> lease_outbox_rows(Tx& tx, std::string_view table, std::vector<std::string> ids,
                             std::int64_t until);

}  // namespace gd::db
