#include "app/command_options.hpp"

#include <cstdlib>
#include <iostream>

namespace gd::app {
namespace po = boost::program_options;

void add_database_option(po::options_description& opts, std::string& url) {
  opts.add_options()("database", po::value(&url),
                     "sqlite:PATH or postgres://... (or GOODDEEDS_DATABASE)");
}

bool parse_options(int argc, char** argv, const po::options_description& opts,
                   const po::positional_options_description* positional, po::variables_map* out) {
  po::variables_map local;
  po::variables_map& vm = out ? *out : local;
  po::command_line_parser parser(argc, argv);
  parser.options(opts);
  if (positional) parser.positional(*positional);
  po::store(parser.run(), vm);
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

std::string database_or_default(const std::string& url, std::string_view command) {
  if (!url.empty()) return url;
  if (auto env = env_database()) return *env;
  const std::string fallback = "sqlite:./data/gooddeeds.db";
  std::cerr << "gooddeeds " << command << ": no --database or GOODDEEDS_DATABASE; using "
            << fallback << "\n";
  return fallback;
}

std::string required_database(const std::string& url) {
  if (!url.empty()) return url;
  if (auto env = env_database()) return *env;
  throw po::required_option("database");
}

}  // namespace gd::app
