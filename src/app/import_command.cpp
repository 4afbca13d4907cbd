// `gooddeeds import tasks`: loads a JSON-lines export of tasks (ours or the seed system's)
// under the API's rules, in batches written in bulk (tasks/task_import.hpp), and reports every
// line it refused or skipped as JSON lines. docs/operations.md "Importing tasks".
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "app/app.hpp"
#include "app/command_options.hpp"
#include "app/log_sinks.hpp"
#include "core/clock.hpp"
#include "projects/project_service.hpp"
#include "projects/project_store.hpp"
#include "store/open.hpp"
#include "tasks/task_import.hpp"
#include "tasks/task_service.hpp"
#include "users/user_store.hpp"

namespace gd::app {
namespace {

namespace po = boost::program_options;
namespace bj = boost::json;

struct ImportSettings {
  std::string url;
  std::string file;
  std::string report;
  std::size_t batch_size = 200'000;
  std::int64_t max_reward = tasks::TaskOptions{}.max_reward;
};

// A line is a task as POST /tasks would take it, whose body limit is 1 MiB.
constexpr std::size_t kMaxLineBytes = 1 << 20;

struct Counts {
  std::int64_t imported = 0, skipped = 0, refused = 0;
};

// The report: one JSON object per refused, skipped or renamed line.
class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  void refused(std::int64_t line, const Error& e) {
    bj::object o{{"line", line},
                 {"outcome", "refused"},
                 {"code", std::string(name(e.code))},
                 {"detail", e.detail}};
    if (!e.errors.empty()) {
      bj::array errors;
      for (const auto& f : e.errors)
        errors.push_back(bj::object{{"field", f.field}, {"message", f.message}});
      o["errors"] = std::move(errors);
    }
    write(o);
    ++counts.refused;
  }
  void skipped(std::int64_t line, std::string_view detail, std::optional<std::string> id = {}) {
    bj::object o{{"line", line}, {"outcome", "skipped"}, {"detail", detail}};
    if (id) {
      o["code"] = std::string(name(ErrorCode::kConflict));
      o["id"] = *id;
    }
    write(o);
    ++counts.skipped;
  }
  void renamed(std::int64_t line, const std::string& id, const std::string& source_id) {
    write(bj::object{{"line", line}, {"outcome", "imported"}, {"id", id}, {"sourceId", source_id}});
  }
  void flush() { out_.flush(); }
  Counts counts;

 private:
  void write(const bj::object& o) { out_ << bj::serialize(o) << '\n'; }
  std::ostream& out_;
};

// Creators must be accounts that can sign in; projects must be the creator's own (as
// POST /tasks has it). Each answer is asked once.
class Owners {
 public:
  explicit Owners(db::Database& db) : users_(db), project_store_(db), projects_(project_store_) {}

  Task<std::optional<Error>> check(const tasks::HelpTask& t) {
    auto it = creators_.find(t.creator_id);
    if (it == creators_.end()) {
      const auto user = co_await users_.find_by_id(t.creator_id);
      std::optional<Error> problem;
      if (!user)
        problem =
            make_error(ErrorCode::kUserNotFound, "The creator " + t.creator_id + " is not a user.");
      else if (!user->is_active)
        problem = make_error(ErrorCode::kAccountDisabled,
                             "The creator " + t.creator_id + " is deactivated.");
      it = creators_.emplace(t.creator_id, std::move(problem)).first;
    }
    if (it->second) co_return it->second;
    if (!t.project_id) co_return std::nullopt;
    const std::string key = t.creator_id + " " + *t.project_id;
    auto p = projects_seen_.find(key);
    if (p == projects_seen_.end()) {
      const bool owned =
          co_await projects_.owned_live(UserId(t.creator_id), ProjectId(*t.project_id));
      p = projects_seen_.emplace(key, owned).first;
    }
    if (!p->second) co_return validation_error("projectId", "is not one of the creator's projects");
    co_return std::nullopt;
  }

 private:
  users::UserStore users_;
  projects::ProjectStore project_store_;
  projects::ProjectService projects_;
  std::unordered_map<std::string, std::optional<Error>> creators_;
  std::unordered_map<std::string, bool> projects_seen_;
};

// Writes a batch and reports what it left out and which ids it made.
Task<void> flush_batch(db::Database& db, std::vector<tasks::ImportRow>& batch, Report& report) {
  if (batch.empty()) co_return;
  struct Renamed {
    std::int64_t line;
    std::string id, source_id;
  };
  std::vector<Renamed> renamed;
  for (const auto& r : batch)
    if (r.source_id) renamed.push_back({r.line, r.task.id, *r.source_id});
  const auto rows = static_cast<std::int64_t>(batch.size());
  const auto duplicates = co_await tasks::import_batch(db, std::move(batch));
  batch.clear();
  std::unordered_set<std::int64_t> left_out;
  for (const auto& d : duplicates) {
    report.skipped(d.line, "a task with this id exists (imported before)", d.id);
    left_out.insert(d.line);
  }
  for (const auto& r : renamed)
    if (!left_out.contains(r.line)) report.renamed(r.line, r.id, r.source_id);
  report.counts.imported += rows - static_cast<std::int64_t>(duplicates.size());
}

Task<void> run_import(db::Database* db, std::istream* in, ImportSettings s, Report* report) {
  Owners owners(*db);
  co_await tasks::prepare_import(*db);
  std::vector<tasks::ImportRow> batch;
  std::unordered_map<std::string, std::int64_t> in_batch;  // id -> line
  std::string text;
  const std::int64_t now = now_ms();
  for (std::int64_t line = 1; std::getline(*in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    if (text.size() > kMaxLineBytes) {
      report->refused(line, make_error(ErrorCode::kPayloadTooLarge,
                                       "The line is longer than 1 MiB, the API's body limit."));
      continue;
    }
    auto read = tasks::read_import_line(text, line, s.max_reward, now);
    if (read.skipped) {
      report->skipped(line, *read.skipped);
      continue;
    }
    if (read.refused) {
      report->refused(line, *read.refused);
      continue;
    }
    if (auto problem = co_await owners.check(read.row->task)) {
      report->refused(line, *problem);
      continue;
    }
    const auto [at, fresh] = in_batch.emplace(read.row->task.id, line);
    if (!fresh) {
      report->skipped(line, fmt::format("the id is on line {} already", at->second),
                      read.row->task.id);
      continue;
    }
    batch.push_back(std::move(*read.row));
    if (batch.size() >= s.batch_size) {
      co_await flush_batch(*db, batch, *report);
      in_batch.clear();
    }
  }
  co_await flush_batch(*db, batch, *report);
  co_await tasks::analyze_after_import(*db);
}

std::optional<ImportSettings> parse(int argc, char** argv) {
  ImportSettings s;
  po::options_description opts(
      "gooddeeds import tasks --database URL [--report FILE] FILE.jsonl\n\n"
      "Imports tasks, one JSON object per line (our task shape or the seed system's tasks\n"
      "table columns; docs/operations.md), under the rules of POST /tasks. Refused and skipped\n"
      "lines are reported as JSON lines; the exit code is 1 when any line was refused");
  opts.add_options()("help,h", "show this help");
  add_database_option(opts, s.url);
  opts.add_options()("report", po::value(&s.report), "write the report to FILE (default: stderr)")(
      "batch-size", po::value(&s.batch_size)->default_value(s.batch_size),
      "tasks per transaction (1..1000000)")(
      "max-task-reward", po::value(&s.max_reward),
      "largest pointsReward a task may offer (as serve's; or GOODDEEDS_MAX_TASK_REWARD, default "
      "500)")("file", po::value(&s.file), "the JSON-lines file, - for standard input");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_options(argc, argv, opts, &pos, &vm)) return std::nullopt;
  const char* reward_env = std::getenv("GOODDEEDS_MAX_TASK_REWARD");
  if (!vm.count("max-task-reward") && reward_env && *reward_env)
    s.max_reward = std::stoll(reward_env);
  s.url = required_database(s.url);
  if (s.file.empty()) throw po::error("the file to import is required");
  if (s.batch_size < 1 || s.batch_size > tasks::kImportBatchMax)
    throw po::error("--batch-size must be 1..1000000");
  if (s.max_reward < 1) throw po::error("--max-task-reward must be at least 1");
  return s;
}

int import_tasks(int argc, char** argv) {
  std::optional<ImportSettings> settings;
  try {
    settings = parse(argc, argv);
  } catch (const std::exception& e) {  // bad usage: say so, exit 2
    std::cerr << "gooddeeds import tasks: " << e.what() << "\n";
    return 2;
  }
  if (!settings) return 0;  // --help
  std::ifstream file;
  if (settings->file != "-") {
    file.open(settings->file);
    if (!file) {
      std::cerr << "gooddeeds import tasks: cannot read " << settings->file << "\n";
      return 2;
    }
  }
  std::ofstream report_file;
  if (!settings->report.empty()) {
    report_file.open(settings->report, std::ios::trunc);
    if (!report_file) {
      std::cerr << "gooddeeds import tasks: cannot write " << settings->report << "\n";
      return 2;
    }
  }
  Report report(settings->report.empty() ? std::cerr : report_file);
  setup_logging("warn");
  db::migrate(settings->url);
  boost::asio::io_context ioc;
  auto database = db::open_database(ioc.get_executor(), {settings->url});
  const auto start = std::chrono::steady_clock::now();
  run_to_end(ioc, run_import(database.get(), settings->file == "-" ? &std::cin : &file, *settings,
                             &report));
  report.flush();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const auto& c = report.counts;
  std::cout << fmt::format(
      "imported {} task(s), skipped {}, refused {} in {:.1f} s ({:.0f} tasks/s)\n", c.imported,
      c.skipped, c.refused, took.count(),
      took.count() > 0 ? static_cast<double>(c.imported) / took.count() : 0.0);
  return c.refused ? 1 : 0;
}

}  // namespace

int import_command(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << "gooddeeds import <what>\n\nwhat:\n  tasks   tasks from a JSON-lines export "
                 "(gooddeeds import tasks --help)\n";
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "tasks") return import_tasks(argc - 1, argv + 1);
  std::cerr << "gooddeeds import: unknown kind " << argv[1] << " (tasks)\n";
  return 2;
}

}  // namespace gd::app
