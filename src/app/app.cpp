// Wiring: Config -> database -> stores -> services -> routes -> server.
#include "app/app.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "app/ops_routes.hpp"
#include "auth/auth_routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/session_store.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/page.hpp"
#include "core/periodic.hpp"
#include "media/blob_store.hpp"
#include "media/media_routes.hpp"
#include "media/media_service.hpp"
#include "partners/partner_routes.hpp"
#include "partners/partner_service.hpp"
#include "partners/partner_store.hpp"
#include "partners/redemption_service.hpp"
#include "points/ledger.hpp"
#include "points/ledger_check.hpp"
#include "points/points_routes.hpp"
#include "store/idempotency_store.hpp"
#include "store/open.hpp"
#include "sync/sync_routes.hpp"
#include "sync/sync_service.hpp"
#include "tasks/events.hpp"
#include "tasks/task_routes.hpp"
#include "tasks/task_service.hpp"
#include "tasks/task_store.hpp"
#include "users/user_routes.hpp"
#include "users/user_store.hpp"

namespace gd::app {
namespace po = boost::program_options;
namespace {

// The access log writes through stdio's buffer and is flushed once a second (and at exit):
// spdlog's stdout sink flushes every line, a write(2) per request.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

void setup_logging(const std::string& level) {
  auto err = spdlog::stderr_logger_mt("gooddeeds");
  err->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(err);
  auto access = std::make_shared<spdlog::logger>("access", std::make_shared<BufferedStdoutSink>());
  access->set_pattern("%v");
  spdlog::register_logger(access);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_every(std::chrono::seconds(1));
}

// Adds a user's sessions to their export and ends them when the account is erased.
class SessionsPart final : public users::AccountPart {
 public:
  SessionsPart(auth::SessionStore& store, auth::AuthService& service)
      : store_(store), service_(service) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string user_id) override {
    co_await service_.end_all_sessions(std::move(user_id), "account_deleted");
  }

 private:
  auth::SessionStore& store_;
  auth::AuthService& service_;
};

Task<void> SessionsPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array arr;
  for (const auto& s : co_await store_.list(std::move(user_id))) {
    arr.push_back({{"id", s.id},
                   {"device", s.device},
                   {"createdAt", iso8601_ms(s.created_at_ms)},
                   {"lastUsedAt", iso8601_ms(s.last_used_at_ms)},
                   {"expiresAt", iso8601_ms(s.expires_at_ms)},
                   {"revokedAt", s.revoked_at_ms ? boost::json::value(iso8601_ms(*s.revoked_at_ms))
                                                 : boost::json::value(nullptr)}});
  }
  doc["sessions"] = std::move(arr);
}

void add_gauges(Metrics& metrics, db::Database& db, auth::PasswordHasher& hasher) {
  metrics.gauge("gooddeeds_db_pool_connections", "Open database connections (PostgreSQL).",
                [&db] { return static_cast<double>(db.pool_stats().size); });
  metrics.gauge("gooddeeds_db_pool_in_use", "Database connections checked out.",
                [&db] { return static_cast<double>(db.pool_stats().in_use); });
  metrics.gauge("gooddeeds_db_pool_waiting", "Requests waiting for a database connection.",
                [&db] { return static_cast<double>(db.pool_stats().waiting); });
  metrics.gauge("gooddeeds_password_hashes_pending", "Argon2id hashes queued or running.",
                [&hasher] { return static_cast<double>(hasher.pending()); });
}

}  // namespace

int serve(const Config& config) {
  setup_logging(config.log_level);
  std::filesystem::create_directories(config.data_dir);
  const int applied = db::migrate(config.database.url);
  spdlog::info("database ready ({} migrations applied)", applied);
  auto keys =
      config.token_keys.empty() ? load_or_create_token_keys(config.data_dir) : config.token_keys;
  std::vector<std::string> secrets;
  for (const auto& k : keys) secrets.push_back(k.secret);
  const CursorCodec cursors(secrets);

  Metrics metrics;
  // Outlives the database: a delivering transaction may still be running on SQLite's writer
  // thread while the database shuts down.
  tasks::EventBus task_events;
  auto& delivered = metrics.counter("gooddeeds_task_events_delivered_total",
                                    "Task events published to in-process subscribers.");
  task_events.subscribe([&delivered](const tasks::TaskEvent& e) {
    delivered.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("task event {} {} for {} on task {}", e.id, e.type, e.recipient_id, e.task_id);
  });
  http::Server server(config.server, metrics);
  auto database = db::open_database(server.executor(), config.database);
  users::UserStore user_store(*database);
  auth::SessionStore session_store(*database);
  auth::PasswordHasher hasher(config.hashing);
  auth::TokenSigner signer(std::move(keys), config.token_issuer, config.token_audience);
  auth::AuthService auth_service(user_store, session_store, hasher, signer, config.auth);
  auth_service.attach_metrics(metrics);
  SessionsPart sessions_part(session_store, auth_service);
  points::Ledger ledger(*database);
  ledger.attach_metrics(metrics);
  points::LedgerPart ledger_part(ledger);
  tasks::TaskStore task_store(*database);
  tasks::TaskService task_service(task_store, config.tasks);
  task_service.attach_metrics(metrics);
  tasks::TasksPart tasks_part(task_store);
  db::IdempotencyKeys idempotency_keys(*database);
  partners::PartnerStore partner_store(*database);
  partners::PartnerService partner_service(partner_store);
  partners::RedemptionService redemption_service(partner_store);
  redemption_service.attach_metrics(metrics);
  partners::RedemptionsPart redemptions_part(redemption_service);

  server.set_authenticator(&auth_service);
  server.set_api_key_authenticator(&partner_service);
  add_ops_routes(server.router(), *database, metrics);
  auth::add_routes(server.router(), auth_service);
  users::add_routes(server.router(), user_store,
                    {&sessions_part, &ledger_part, &tasks_part, &redemptions_part});
  users::add_admin_routes(server.router(), user_store, [&auth_service](std::string id) {
    return auth_service.end_all_sessions(std::move(id), "account_deactivated");
  });
  points::add_routes(server.router(), ledger, cursors);
  points::add_admin_routes(server.router(), ledger, idempotency_keys);
  tasks::add_routes(server.router(), task_service, idempotency_keys, cursors);
  sync::SyncService sync_service(*database, task_service);
  sync::add_routes(server.router(), sync_service);
  tasks::add_admin_routes(server.router(), task_service);
  partners::add_routes(server.router(), partner_service, redemption_service, idempotency_keys,
                       cursors);
  partners::add_admin_routes(server.router(), partner_service, redemption_service, cursors);
  media::LocalBlobStore media_store(std::filesystem::path(config.data_dir) / "media");
  media::MediaService media_service(media_store, media::MediaOptions{});
  media::add_routes(server.router(), media_service);
  metrics.gauge("gooddeeds_media_jobs_pending", "Image uploads queued or being processed.",
                [&media_service] { return static_cast<double>(media_service.pending()); });
  add_gauges(metrics, *database, hasher);
  tasks::OutboxRelay relay(*database, task_events,
                           std::chrono::milliseconds(config.outbox_poll_ms));
  relay.start(server.executor());
  server.on_shutdown([&relay] { relay.stop(); });
  // Hourly, a batch at a time; each process prunes (harmless when several do).
  const std::int64_t retention_ms = std::int64_t{config.sync_retention_days} * 86'400'000;
  Periodic pruner("sync change-log pruning", std::chrono::hours(1), [&]() -> Task<bool> {
    co_return co_await sync::prune_changes(*database, now_ms() - retention_ms) == sync::kPruneBatch;
  });
  if (config.sync_retention_days > 0) {
    pruner.start(server.executor());
    server.on_shutdown([&pruner] { pruner.stop(); });
  }
  server.run();
  if (auto access = spdlog::get("access")) access->flush();
  return 0;
}

namespace {

// The `--database URL` option of the operator commands, and its environment fallback.
void add_database_option(po::options_description& opts, std::string& url) {
  opts.add_options()("database", po::value(&url),
                     "sqlite:PATH or postgres://... (or GOODDEEDS_DATABASE)");
}

// Parses an operator command's options; prints its help and returns false for --help (before
// required options are checked).
bool parse_options(int argc, char** argv, const po::options_description& opts) {
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, opts), vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

std::optional<std::string> env_database() {
  const char* v = std::getenv("GOODDEEDS_DATABASE");
  return v && *v ? std::optional<std::string>(v) : std::nullopt;
}

// Runs one coroutine of an operator command to completion.
template <class T>
T run_to_end(boost::asio::io_context& ioc, Task<T> task) {
  auto fut = boost::asio::co_spawn(ioc, std::move(task), boost::asio::use_future);
  ioc.run();
  return fut.get();
}

}  // namespace

int migrate_command(int argc, char** argv) {
  std::string url;
  po::options_description opts(
      "gooddeeds migrate --database URL\n\nApplies pending schema migrations");
  opts.add_options()("help,h", "show this help");
  add_database_option(opts, url);
  if (!parse_options(argc, argv, opts)) return 0;  // --help
  if (url.empty()) url = env_database().value_or("sqlite:./data/gooddeeds.db");
  setup_logging("info");
  const int n = db::migrate(url);
  std::cout << "applied " << n << " migration(s)\n";
  return 0;
}

}  // namespace gd::app

namespace gd::app {
namespace {

// The created user's id, or the reason it could not be created.
struct Created {
  bool ok = false;
  std::string id_or_error;
};

Task<Created> create_admin(db::Database* db, users::NewUser user) {
  users::UserStore store(*db);
  auto r = co_await store.create(std::move(user));
  co_return r ? Created{true, r->id} : Created{false, r.error().detail};
}

int create_user(int argc, char** argv) {
  std::string url, email, password, name = "Administrator";
  std::vector<std::string> roles;
  po::options_description opts(
      "gooddeeds admin create-user --database URL --email E --password P --role admin\n\n"
      "Creates an account (the role 'user' is always included)");
  add_database_option(opts, url);
  opts.add_options()("help,h", "show this help")("email", po::value(&email)->required(),
                                                 "email address")(
      "password", po::value(&password)->required(), "password (8..128 characters)")(
      "name", po::value(&name)->default_value(name), "display name")(
      "role", po::value(&roles)->multitoken(), "extra role(s), e.g. admin");
  if (!parse_options(argc, argv, opts)) return 0;  // --help
  if (url.empty()) url = env_database().value_or("sqlite:./data/gooddeeds.db");
  if (auto problem = auth::password_problem(password)) {
    std::cerr << "password " << *problem << "\n";
    return 2;
  }
  setup_logging("warn");
  db::migrate(url);
  users::NewUser nu{auth::AuthService::normalize_email(email),
                    auth::hash_password_blocking(password, auth::HashOptions{}),
                    name,
                    {"user"}};
  for (const auto& r : roles)
    if (r != "user") nu.roles.push_back(r);
  boost::asio::io_context ioc;
  auto database = db::open_database(ioc.get_executor(), {url});
  auto result = run_to_end(ioc, create_admin(database.get(), std::move(nu)));
  if (!result.ok) {
    std::cerr << "cannot create user: " << result.id_or_error << "\n";
    return 1;
  }
  std::cout << result.id_or_error << "\n";
  return 0;
}

Task<points::LedgerReport> run_verify(db::Database* db) {
  co_return co_await points::verify_ledger(*db);
}

}  // namespace

int verify_ledger_command(int argc, char** argv) {
  std::string url;
  po::options_description opts(
      "gooddeeds verify-ledger --database URL\n\n"
      "Checks every invariant of the points ledger (balances equal the sum of their rows and\n"
      "are never negative, no task paid twice, every redemption matched by exactly one debit)\n"
      "and exits 1 when any is broken. Reads only");
  opts.add_options()("help,h", "show this help");
  add_database_option(opts, url);
  if (!parse_options(argc, argv, opts)) return 0;  // --help
  if (url.empty()) url = env_database().value_or("");
  if (url.empty()) {
    std::cerr << "gooddeeds verify-ledger: --database is required\n";
    return 2;
  }
  // Reads only: opening a SQLite path that does not exist would create an empty database.
  if (!db::is_postgres_url(url) && !std::filesystem::exists(db::sqlite_path(url))) {
    std::cerr << "gooddeeds verify-ledger: no database at " << db::sqlite_path(url) << "\n";
    return 1;
  }
  setup_logging("warn");
  boost::asio::io_context ioc;
  auto database = db::open_database(ioc.get_executor(), {url});
  const auto report = run_to_end(ioc, run_verify(database.get()));
  for (const auto& v : report.violations) std::cout << "VIOLATION " << v << "\n";
  std::cout << report.users << " users, " << report.rows << " ledger rows, " << report.redemptions
            << " redemptions: "
            << (report.ok() ? "every invariant holds"
                            : std::to_string(report.violations.size()) + " violation(s)")
            << "\n";
  return report.ok() ? 0 : 1;
}

namespace {

Task<std::size_t> prune_all(db::Database* db, std::int64_t before) {
  std::size_t total = 0;
  for (;;) {
    const std::size_t n = co_await sync::prune_changes(*db, before);
    total += n;
    if (n < sync::kPruneBatch) co_return total;
  }
}

}  // namespace

int prune_sync_command(int argc, char** argv) {
  std::string url;
  int keep_days = -1;
  po::options_description opts(
      "gooddeeds prune-sync --database URL --keep-days N\n\n"
      "Deletes sync changes older than N days (0: all of them) and moves the horizon there:\n"
      "clients that last pulled before it resync in full. `serve` does this hourly with\n"
      "--sync-retention-days");
  opts.add_options()("help,h", "show this help")("keep-days", po::value(&keep_days)->required(),
                                                 "days of changes to keep (0 or more)");
  add_database_option(opts, url);
  if (!parse_options(argc, argv, opts)) return 0;  // --help
  if (keep_days < 0) {
    std::cerr << "gooddeeds prune-sync: --keep-days must be 0 or more\n";
    return 2;
  }
  if (url.empty()) url = env_database().value_or("sqlite:./data/gooddeeds.db");
  setup_logging("warn");
  db::migrate(url);
  boost::asio::io_context ioc;
  auto database = db::open_database(ioc.get_executor(), {url});
  const auto before = now_ms() - std::int64_t{keep_days} * 86'400'000;
  const auto n = run_to_end(ioc, prune_all(database.get(), before));
  std::cout << "deleted " << n << " sync change(s)\n";
  return 0;
}

int admin_command(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << "gooddeeds admin <command>\n\ncommands:\n  create-user   create an account "
                 "with roles (see gooddeeds admin create-user --help)\n";
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "create-user") return create_user(argc - 1, argv + 1);
  std::cerr << "gooddeeds admin: unknown command " << argv[1] << "\n";
  return 2;
}

}  // namespace gd::app
