// Operator subcommands: migrate, admin create-user, verify-ledger, prune-sync.
#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "app/command_options.hpp"
#include "app/log_sinks.hpp"
#include "app/ops_routes.hpp"
#include "auth/auth_routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/session_store.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
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
#include "projects/project_service.hpp"
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

int migrate_command(int argc, char** argv) {
  std::string url;
  po::options_description opts(
      "gooddeeds migrate --database URL\n\nApplies pending schema migrations");
  opts.add_options()("help,h", "show this help");
  add_database_option(opts, url);
  if (!parse_options(argc, argv, opts)) return 0;  // --help
  url = database_or_default(url, "migrate");
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
  url = database_or_default(url, "admin create-user");
  if (auto problem = auth::password_problem(password)) {
    std::cerr << "password " << *problem << "\n";
    return 2;
  }
  setup_logging("warn");
  db::migrate(url);
  users::NewUser nu{auth::AuthService::normalize_email(email),
                    auth::hash_password_blocking(password, auth::HashOptions{}),
                    name,
                    {Role::kUser}};
  for (const auto& r : roles) {
    const auto role = parse_role(r);
    // A person's account is a user and perhaps an admin; `partner` is a point of sale's key.
    if (!role || *role == Role::kPartner) {
      std::cerr << "unknown role '" << r << "' (user, admin)\n";
      return 2;
    }
    nu.roles.add(*role);
  }
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
  url = database_or_default(url, "prune-sync");
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
