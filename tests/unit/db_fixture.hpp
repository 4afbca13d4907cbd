// Real databases for unit tests: a migrated SQLite file in a temporary directory, or a
// migrated PostgreSQL database created on the server of GOODDEEDS_TEST_PG_URL and dropped
// afterwards; and run(), which drives one coroutine to completion on an io_context.
#pragma once
#include <libpq-fe.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/async.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/open.hpp"

namespace gd::testing {

template <class T>
T run(boost::asio::io_context& ioc, Task<T> task) {
  auto f = boost::asio::co_spawn(ioc, std::move(task), boost::asio::use_future);
  ioc.restart();
  ioc.run();
  return f.get();
}

struct TempSqlite {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("gd-test-" + uuid_v4());
  boost::asio::io_context ioc;
  std::unique_ptr<db::Database> db;
  TempSqlite() {
    std::filesystem::create_directories(dir);
    const std::string url = "sqlite:" + (dir / "test.db").string();
    db::migrate(url);
    db = db::open_database(ioc.get_executor(), {url});
  }
  ~TempSqlite() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

// Skip the test (GTEST_SKIP) when available() is false.
struct TempPostgres {
  static const char* admin_url() { return std::getenv("GOODDEEDS_TEST_PG_URL"); }
  static bool available() { return admin_url() != nullptr; }

  std::string admin = admin_url();
  std::string name = "gd_test_" + std::to_string(now_ms()) + "_" + uuid_v4().substr(0, 8);
  std::string url = admin.substr(0, admin.rfind('/') + 1) + name;
  boost::asio::io_context ioc;
  TempPostgres() {
    if (std::system(("psql '" + admin + "' -q -c 'CREATE DATABASE " + name + "'").c_str()) != 0)
      throw std::runtime_error("cannot create database " + name);
    db::migrate(url);
  }
  std::unique_ptr<db::Database> open(std::size_t pool_size = 2) {
    return db::open_database(ioc.get_executor(), {url, pool_size});
  }
  ~TempPostgres() {
    std::system(("psql '" + admin + "' -q -c 'DROP DATABASE " + name + " WITH (FORCE)'").c_str());
  }
};

// A plain libpq session, for driving a second transaction by hand against a TempPostgres.
struct PgSession {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn;
  explicit PgSession(const std::string& url) : conn(PQconnectdb(url.c_str()), &PQfinish) {
    if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  }
  // Runs `sql` and returns the first column of the first row ("" when there is none).
  std::string exec(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      throw std::runtime_error(sql + ": " + PQerrorMessage(conn.get()));
    return PQntuples(r.get()) > 0 && PQnfields(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
  }
};

}  // namespace gd::testing
