// The client schema of offline sync: which tables a WatermelonDB client holds, their columns
// (raw snake_case names, types) and who may see and write which rows. docs/sync.md is its
// human-readable form; both follow this table.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gd::sync {

constexpr int kSchemaVersion = 1;

enum class Kind { kString, kNumber, kBool };

struct Column {
  std::string_view name;  // raw column name on the client
  Kind kind;
  bool nullable;
  std::string_view expr;  // SQL over the alias t
};

struct SyncTable {
  std::string_view name;
  std::string_view from;        // e.g. "tasks t"
  std::string_view visible;     // SQL predicate over t; $1 is the user's id
  std::vector<Column> columns;  // the first is always id
  bool writable;                // through push (else read-only for clients)
  // Disjoint predicates whose union is `visible`, each an index range in id order (an index
  // on (its column, id)): a full pull pages through each. Empty: `visible` alone.
  std::vector<std::string_view> scans = {};

  const Column* column(std::string_view n) const;
  std::string select_list() const;  // the columns' expressions, in order
};

const std::vector<SyncTable>& sync_tables();
const SyncTable* find_table(std::string_view name);

}  // namespace gd::sync
