// The composition root: builds stores, services and routes from a Config and runs them,
// plus the operator subcommands.
#pragma once
#include <functional>

#include "app/config.hpp"
#include "http/router.hpp"

namespace gd::app {

// With `inspect`, serve stops once every route is registered: it hands the router to
// `inspect` and returns before binding a port or starting any background work (describe).
int serve(const Config& config, const std::function<void(http::Router&)>& inspect = {});
int migrate_command(int argc, char** argv);
int admin_command(int argc, char** argv);
int verify_ledger_command(int argc, char** argv);
int prune_sync_command(int argc, char** argv);
int describe_command(int argc, char** argv);
int backup_command(int argc, char** argv);   // backup_command.cpp
int restore_command(int argc, char** argv);  // backup_command.cpp
int import_command(int argc, char** argv);   // import_command.cpp

}  // namespace gd::app
