// gooddeeds: parses the command line and hands over to a subcommand.
#include <exception>
#include <iostream>
#include <string>

#include "app/app.hpp"
#include "app/config.hpp"

namespace {

constexpr const char* kUsage =
    "gooddeeds " GOODDEEDS_VERSION
    " - the Good Deeds backend\n\n"
    "usage: gooddeeds <command> [options]\n\n"
    "commands:\n"
    "  serve          run the HTTP API (gooddeeds serve --help)\n"
    "  migrate        apply database migrations (gooddeeds migrate --help)\n"
    "  admin          operator tasks, e.g. admin create-user (gooddeeds admin --help)\n"
    "  verify-ledger  check the points ledger's invariants (gooddeeds verify-ledger --help)\n"
    "  prune-sync     drop old sync changes (gooddeeds prune-sync --help)\n"
    "  describe       print the route or error-code table as JSON (gooddeeds describe --help)\n"
    "  backup         copy the database while the server runs (gooddeeds backup --help)\n"
    "  restore        restore a backup into a database (gooddeeds restore --help)\n"
    "  import         bulk-load tasks from a JSON-lines export (gooddeeds import tasks --help)\n"
    "  version        print the version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "serve") {
      int exit_code = 0;
      auto config = gd::app::parse_serve_args(argc - 1, argv + 1, exit_code);
      return config ? gd::app::serve(*config) : exit_code;
    }
    if (command == "migrate") return gd::app::migrate_command(argc - 1, argv + 1);
    if (command == "admin") return gd::app::admin_command(argc - 1, argv + 1);
    if (command == "verify-ledger") return gd::app::verify_ledger_command(argc - 1, argv + 1);
    if (command == "prune-sync") return gd::app::prune_sync_command(argc - 1, argv + 1);
    if (command == "describe") return gd::app::describe_command(argc - 1, argv + 1);
    if (command == "backup") return gd::app::backup_command(argc - 1, argv + 1);
    if (command == "restore") return gd::app::restore_command(argc - 1, argv + 1);
    if (command == "import") return gd::app::import_command(argc - 1, argv + 1);
    if (command == "version" || command == "--version") {
      std::cout << "gooddeeds " GOODDEEDS_VERSION "\n";
      return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      std::cout << kUsage;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "gooddeeds " << command << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "gooddeeds: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
