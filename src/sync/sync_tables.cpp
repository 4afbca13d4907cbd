// The synced tables. Times are milliseconds since the epoch, as stored.
#include "sync/sync_tables.hpp"

namespace gd::sync {

const Column* SyncTable::column(std::string_view n) const {
  for (const auto& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

std::string SyncTable::select_list() const {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += ", ";
    out += c.expr;
  }
  return out;
}

std::string SyncTable::visible_sql() const {
  std::string out;
  for (const auto& p : visible) {
    if (!out.empty()) out += " OR ";
    out += '(';
    out += p;
    out += ')';
  }
  return visible.size() > 1 ? '(' + out + ')' : out;
}

const std::vector<SyncTable>& sync_tables() {
  using K = Kind;
  // Order matters for push: projects before the tasks that name them.
  static const std::vector<SyncTable> kTables = {
      {"projects",
       "projects t",
       {"t.is_deleted = 0 AND t.user_id = $1"},
       {{"id", K::kString, false, "t.id"},
        {"name", K::kString, false, "t.name"},
        {"description", K::kString, true, "t.description"},
        {"user_id", K::kString, false, "t.user_id"},
        {"created_at", K::kNumber, false, "t.created_at"},
        {"updated_at", K::kNumber, false, "t.updated_at"}},
       true},
      // Only the creator and the helper hold a task, so the true location is theirs to see.
      {"tasks",
       "tasks t",
       {"t.is_deleted = 0 AND t.creator_id = $1",
        "t.is_deleted = 0 AND t.helper_id = $1 AND t.creator_id <> $1"},
       {{"id", K::kString, false, "t.id"},
        {"project_id", K::kString, true, "t.project_id"},
        {"creator_id", K::kString, false, "t.creator_id"},
        {"helper_id", K::kString, true, "t.helper_id"},
        {"title", K::kString, false, "t.title"},
        {"description", K::kString, false, "t.description"},
        {"category", K::kString, false, "t.category"},
        {"lat", K::kNumber, false, "t.lat"},
        {"lng", K::kNumber, false, "t.lng"},
        {"points_reward", K::kNumber, false, "t.points_reward"},
        {"status", K::kString, false, "t.status"},
        {"image_urls", K::kString, false, "t.image_urls"},
        {"created_at", K::kNumber, false, "t.created_at"},
        {"updated_at", K::kNumber, false, "t.updated_at"},
        {"completed_at", K::kNumber, true, "t.completed_at"}},
       true},
      {"point_transactions",
       "point_transactions t",
       {"t.user_id = $1"},
       {{"id", K::kString, false, "t.id"},
        {"user_id", K::kString, false, "t.user_id"},
        {"amount", K::kNumber, false, "t.amount"},
        {"type", K::kString, false, "t.type"},
        {"task_id", K::kString, true, "t.task_id"},
        {"redemption_id", K::kString, true, "t.redemption_id"},
        {"created_at", K::kNumber, false, "t.created_at"}},
       false},
      {"redemptions",
       "redemptions t",
       {"t.user_id = $1"},
       {{"id", K::kString, false, "t.id"},
        {"partner_id", K::kString, false, "t.partner_id"},
        {"offer_id", K::kString, false, "t.offer_id"},
        {"points_spent", K::kNumber, false, "t.points_spent"},
        {"discount_code", K::kString, false, "t.code"},
        {"status", K::kString, false, "t.status"},
        {"expires_at", K::kNumber, false, "t.expires_at"},
        {"used_at", K::kNumber, true, "t.used_at"},
        {"redeemed_at", K::kNumber, false, "t.created_at"},
        {"created_at", K::kNumber, false, "t.created_at"},
        {"updated_at", K::kNumber, false, "t.updated_at"}},
       false},
      // The public catalogue: active partners and offers; deactivation is a delete.
      {"partners",
       "partners t",
       {"t.is_active = 1 AND CAST($1 AS TEXT) IS NOT NULL"},  // $1 unused: typed for PostgreSQL
       {{"id", K::kString, false, "t.id"},
        {"name", K::kString, false, "t.name"},
        {"logo_url", K::kString, true, "t.logo_url"},
        {"description", K::kString, false, "t.description"},
        {"is_active", K::kBool, false, "t.is_active"},
        {"created_at", K::kNumber, false, "t.created_at"},
        {"updated_at", K::kNumber, false, "t.updated_at"}},
       false},
      {"offers",
       "offers t",
       {"t.is_active = 1 AND CAST($1 AS TEXT) IS NOT NULL"},  // $1 unused: typed for PostgreSQL
       {{"id", K::kString, false, "t.id"},
        {"partner_id", K::kString, false, "t.partner_id"},
        {"title", K::kString, false, "t.title"},
        {"description", K::kString, false, "t.description"},
        {"points_cost", K::kNumber, false, "t.points_cost"},
        {"valid_days", K::kNumber, false, "t.valid_days"},
        {"is_active", K::kBool, false, "t.is_active"},
        {"created_at", K::kNumber, false, "t.created_at"},
        {"updated_at", K::kNumber, false, "t.updated_at"}},
       false},
      // The notification feed (version 2): its owner's, read-only; `data` is a JSON object.
      {"notifications",
       "notifications t",
       {"t.user_id = $1"},
       {{"id", K::kString, false, "t.id"},
        {"user_id", K::kString, false, "t.user_id"},
        {"type", K::kString, false, "t.type"},
        {"title", K::kString, false, "t.title"},
        {"body", K::kString, false, "t.body"},
        {"data", K::kString, false, "t.data"},
        {"task_id", K::kString, true, "t.task_id"},
        {"created_at", K::kNumber, false, "t.created_at"},
        {"read_at", K::kNumber, true, "t.read_at"}},
       false,
       2},
  };
  return kTables;
}

const SyncTable* find_table(std::string_view name) {
  for (const auto& t : sync_tables())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace gd::sync
