// What the operator commands (migrate, admin, backup, restore, import, ...) share in reading
// their command line: the --database option with its GOODDEEDS_DATABASE fallback, and parsing
// that answers --help before required options are checked; running a command's coroutine.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/program_options.hpp>

#include "core/async.hpp"

namespace gd::app {

// Adds `--database URL` (sqlite:PATH or postgres://...) bound to `url`.
void add_database_option(boost::program_options::options_description& opts, std::string& url);

// Parses a command's options (and positional ones, if given; into `vm` if given, to ask which
// were on the command line); prints its help and returns false for --help, before required
// options are checked.
bool parse_options(
    int argc, char** argv, const boost::program_options::options_description& opts,
    const boost::program_options::positional_options_description* positional = nullptr,
    boost::program_options::variables_map* vm = nullptr);

// GOODDEEDS_DATABASE when set and not empty.
std::optional<std::string> env_database();

// --database, else GOODDEEDS_DATABASE, else the default SQLite file, which is then named on
// stderr: an operator who forgot --database sees which database the command used.
std::string database_or_default(const std::string& url, std::string_view command);

// --database, else GOODDEEDS_DATABASE; neither is a usage error (commands that must not guess,
// such as restore).
std::string required_database(const std::string& url);

// Runs one coroutine of an operator command to completion.
template <class T>
T run_to_end(boost::asio::io_context& ioc, Task<T> task) {
  auto fut = boost::asio::co_spawn(ioc, std::move(task), boost::asio::use_future);
  ioc.run();
  return fut.get();
}

}  // namespace gd::app
