// The start-up lines of `serve` (app/first_run.hpp).
#include "app/first_run.hpp"

#include <fmt/format.h>

namespace gd::app {

std::string redact_database_url(std::string_view url) {
  std::string out(url);
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const auto colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (std::size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&' && out[pos - 1] != ' ') continue;
    const auto start = pos + 9;
    const auto end = out.find_first_of("& ", start);
    out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
  }
  return out;
}

std::string base_url(std::string_view host, unsigned short port) {
  std::string h(host);
  if (h.empty() || h == "0.0.0.0" || h == "::" || h == "[::]") h = "localhost";
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  return fmt::format("http://{}:{}", h, port);
}

std::vector<std::string> startup_lines(std::string_view database_url, std::string_view keys_where,
                                       std::string_view base) {
  return {fmt::format("database: {}", redact_database_url(database_url)),
          fmt::format("signing keys: {}", keys_where),
          fmt::format("web app: {}/  API docs: {}/docs  metrics: {}/metrics", base, base, base)};
}

std::string no_admin_hint(std::string_view database_url) {
  const auto shown = redact_database_url(database_url);
  return fmt::format(
      "no admin account exists yet; create one with: gooddeeds admin create-user --database {} "
      "--email admin@example.org --password '<a long password>' --role admin{}",
      shown, shown == database_url ? "" : " (put the database password where *** stands)");
}

}  // namespace gd::app
