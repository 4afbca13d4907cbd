// Opening a database from its URL and bringing its schema up to date.
#pragma once
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "store/db.hpp"

namespace gd::db {

bool is_postgres_url(const std::string& url);
// sqlite:PATH -> PATH
std::string sqlite_path(const std::string& url);

std::unique_ptr<Database> open_postgres(boost::asio::any_io_executor executor,
                                        const OpenOptions& options);
std::unique_ptr<Database> open_database(boost::asio::any_io_executor executor,
                                        const OpenOptions& options);

// Applies the embedded migrations that are not applied yet; safe to run from several
// processes at once (PostgreSQL: advisory lock; SQLite: an immediate transaction).
// Returns how many were applied.
int migrate(const std::string& url);

}  // namespace gd::db
