// The composition root: builds stores, services and routes from a Config and runs them,
// plus the operator subcommands.
#pragma once
#include "app/config.hpp"

namespace gd::app {

int serve(const Config& config);
int migrate_command(int argc, char** argv);
int admin_command(int argc, char** argv);
int verify_ledger_command(int argc, char** argv);
int prune_sync_command(int argc, char** argv);
int import_command(int argc, char** argv);  // import_command.cpp

}  // namespace gd::app
