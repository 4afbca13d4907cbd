// The client schema of offline sync: which tables a WatermelonDB client holds, their columns
// (raw snake_case names, types) and who may see and write which rows. docs/sync.md is its
// human-readable form; both follow this table.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gd::sync {

// The newest client schema (docs/sync-schema.md). A client on an older version pulls only the
// tables its version has (SyncTable::since_version).
constexpr int kSchemaVersion = 2;

enum class Kind { kString, kNumber, kBool };

struct Column {
  std::string_view name;  // raw column name on the client
  Kind kind;
  bool nullable;
  std::string_view expr;  // SQL over the alias t
};

struct SyncTable {
  std::string_view name;
  std::string_view from;  // e.g. "tasks t"
  // Who sees a row: disjoint SQL predicates over t ($1 is the user's id), each an index
  // range in id order (an index on (its column, id)), so a full pull pages through each; a
  // row is visible when one holds.
  std::vector<std::string_view> visible;
  std::vector<Column> columns;  // the first is always id
  bool writable;                // through push (else read-only for clients)
  int since_version = 1;        // the client schema version that added the table

  const Column* column(std::string_view n) const;
  std::string select_list() const;  // the columns' expressions, in order
  std::string visible_sql() const;  // the predicates of `visible`, or-ed
};

const std::vector<SyncTable>& sync_tables();
const SyncTable* find_table(std::string_view name);

}  // namespace gd::sync
