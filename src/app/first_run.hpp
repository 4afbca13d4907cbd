// What `serve` tells the operator when it starts: where the database and the signing keys
// are, the URLs of the app, /docs and /metrics, and, while no admin account exists, the
// command that creates one.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gd::app {

// A database URL fit for the log: a password in it (postgres://user:secret@..., or a
// password= parameter) is shown as "***".
std::string redact_database_url(std::string_view url);

// http://HOST:PORT of --listen; a wildcard host (0.0.0.0, ::, empty) becomes localhost, an
// IPv6 address is bracketed.
std::string base_url(std::string_view host, unsigned short port);

// The log lines of a start: database, signing keys and URLs.
std::vector<std::string> startup_lines(std::string_view database_url, std::string_view keys_where,
                                       std::string_view base);

// The hint while no admin account exists, with the exact command to create one.
std::string no_admin_hint(std::string_view database_url);

}  // namespace gd::app
