// The one immutable configuration of `gooddeeds serve`, read from flags and GOODDEEDS_*
// environment variables (a flag wins over the environment), validated at start-up.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_service.hpp"
#include "auth/email_flows.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "http/server.hpp"
#include "mail/mail_stack.hpp"
#include "media/media_service.hpp"
#include "media/s3_blob_store.hpp"
#include "oauth/oauth_config.hpp"
#include "partners/partner_service.hpp"
#include "partners/redemption_service.hpp"
#include "push/push_stack.hpp"
#include "redis/redis_client.hpp"
#include "store/db.hpp"
#include "tasks/task_service.hpp"
#include "web/web_routes.hpp"

namespace gd::app {

struct Config {
  std::string data_dir = "./data";
  std::string log_level = "info";                  // one of kLogLevels (app/log_sinks.hpp)
  std::string log_format = "text";                 // text | json (--log-format)
  std::size_t access_log_batch_bytes = 64 * 1024;  // 0: each access line written at once
  http::ServerOptions server;
  db::OpenOptions database;
  auth::HashOptions hashing;
  auth::AuthOptions auth;
  tasks::TaskOptions tasks;
  media::MediaOptions media;
  media::MediaStoreSpec media_store;  // default: dir:<data-dir>/media
  media::S3Options s3;
  partners::RedemptionOptions redemptions;
  partners::PartnerLimits partner_limits;
  push::PushConfig push;
  oauth::OAuthConfig oauth;
  mail::MailConfig mail;
  auth::EmailFlowOptions email_flows;
  web::WebOptions web;
  // --redis-url: shared rate limits, session revocation and live events (docs/scaling.md).
  std::optional<redis::ClientOptions> redis;
  int session_sweep_ms = 60'000;  // how often sessions past their expiry are ended
  int outbox_poll_ms = 250;       // how often the task event relay looks for new events
  int live_poll_ms = 100;         // how often the live feeds look for committed notifications
  std::size_t max_sync_push_bytes = 16 * 1024 * 1024;  // largest sync push body (413 beyond)
  int sync_retention_days = 90;              // sync change log kept this long (0: forever)
  std::vector<auth::SigningKey> token_keys;  // empty: generated and kept in the data dir
  std::string token_issuer = "gooddeeds";
  std::string token_audience = "gooddeeds-api";

  // /metrics counts daily and monthly active users at most this often (0: on every scrape).
  int active_users_cache_ms = 30'000;
};

// Parses `serve` arguments (argv after the subcommand). Returns nullopt after printing help
// or an error; `exit_code` tells which.
std::optional<Config> parse_serve_args(int argc, char** argv, int& exit_code);

// "kid:base64,kid2:base64" (standard or url-safe base64 of >= 32 bytes).
std::vector<auth::SigningKey> parse_token_keys(const std::string& spec);
// Reads <data_dir>/token-keys, creating it with a fresh random key on first start.
std::vector<auth::SigningKey> load_or_create_token_keys(const std::string& data_dir);

}  // namespace gd::app
