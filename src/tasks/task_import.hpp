// Bulk import of tasks (`gooddeeds import tasks`, docs/operations.md "Importing tasks"): a line
// of an export read into a task under the API's own field rules (task_fields.hpp), and
// batches written in one transaction each with the search index and the sync change log
// built in bulk instead of by the per-row triggers.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "core/result.hpp"
#include "store/db.hpp"
#include "tasks/task.hpp"

namespace gd::tasks {

// A line that became a task to insert.
struct ImportRow {
  std::int64_t line = 0;
  HelpTask task;
  std::optional<std::string> source_id;  // the source's id, when it was not a UUID
};

// What one line became: a row, or a refusal (the API's error), or a skip (nothing wrong with
// the line, but nothing to import).
struct ImportLine {
  std::optional<ImportRow> row;
  std::optional<Error> refused;
  std::optional<std::string> skipped;
};

// Reads one line: our REST shape (camelCase, plus id, creatorId, status, createdAt,
// updatedAt) or the seed system's table columns (snake_case). Creator and project existence
// are the caller's to check; everything else is checked here, the fields by
// read_task_fields.
ImportLine read_import_line(std::string_view text, std::int64_t line, std::int64_t max_reward,
                            std::int64_t now_ms);

// A row of a batch that was not inserted because a task with its id exists.
struct ImportDuplicate {
  std::int64_t line;
  std::string id;
};

// Inserts a batch (at most kImportBatchMax rows, ids unique within it) in one transaction,
// with the geo index, its counts and the sync change log written in bulk; rows whose id is
// already taken are left out and returned.
inline constexpr std::size_t kImportBatchMax = 1'000'000;
Task<std::vector<ImportDuplicate>> import_batch(db::Database& db, std::vector<ImportRow> rows);

// Sets up the connection for a large import (SQLite: a larger page cache of the writer, the
// staging table in memory); call it before the first batch.
Task<void> prepare_import(db::Database& db);

// Refreshes the planner's statistics of the task tables after a large import.
Task<void> analyze_after_import(db::Database& db);

}  // namespace gd::tasks
