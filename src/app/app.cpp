// Wiring: Config -> database -> stores -> services -> routes -> server.
#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "app/first_run.hpp"
#include "app/log_sinks.hpp"
#include "app/ops_routes.hpp"
#include "auth/auth_routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/email_flows.hpp"
#include "auth/session_store.hpp"
#include "auth/sessions_part.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/page.hpp"
#include "core/periodic.hpp"
#include "live/hub.hpp"
#include "live/live_service.hpp"
#include "live/redis_hub.hpp"
#include "mail/mail_stack.hpp"
#include "media/blob_store.hpp"
#include "media/media_routes.hpp"
#include "media/media_service.hpp"
#include "media/s3_blob_store.hpp"
#include "notifications/notification_routes.hpp"
#include "notifications/texts.hpp"
#include "oauth/identities_part.hpp"
#include "oauth/identity_store.hpp"
#include "oauth/oauth_routes.hpp"
#include "oauth/oauth_service.hpp"
#include "partners/partner_routes.hpp"
#include "partners/partner_service.hpp"
#include "partners/partner_store.hpp"
#include "partners/redemption_service.hpp"
#include "points/ledger.hpp"
#include "points/ledger_check.hpp"
#include "points/points_routes.hpp"
#include "projects/project_service.hpp"
#include "push/push_routes.hpp"
#include "push/push_stack.hpp"
#include "redis/redis_client.hpp"
#include "store/idempotency_store.hpp"
#include "store/open.hpp"
#include "sync/sync_routes.hpp"
#include "sync/sync_service.hpp"
#include "tasks/events.hpp"
#include "tasks/task_routes.hpp"
#include "tasks/task_service.hpp"
#include "tasks/task_store.hpp"
#include "users/activity.hpp"
#include "users/user_routes.hpp"
#include "users/user_store.hpp"
#include "web/web_routes.hpp"

namespace gd::app {
namespace po = boost::program_options;
namespace {

void add_gauges(Metrics& metrics, db::Database& db, auth::PasswordHasher& hasher) {
  metrics.gauge("gooddeeds_db_pool_connections", "Open database connections (PostgreSQL).",
                [&db] { return static_cast<double>(db.pool_stats().size); });
  metrics.gauge("gooddeeds_db_pool_in_use", "Database connections checked out.",
                [&db] { return static_cast<double>(db.pool_stats().in_use); });
  metrics.gauge("gooddeeds_db_pool_waiting", "Requests waiting for a database connection.",
                [&db] { return static_cast<double>(db.pool_stats().waiting); });
  metrics.gauge("gooddeeds_password_hashes_pending", "Argon2id hashes queued or running.",
                [&hasher] { return static_cast<double>(hasher.pending()); });
}

}  // namespace

int serve(const Config& config, const std::function<void(http::Router&)>& inspect) {
  setup_logging(config.log_level, parse_log_format(config.log_format).value_or(LogFormat::kText),
                config.access_log_batch_bytes);
  std::filesystem::create_directories(config.data_dir);
  // PostgreSQL may be down when we start: serve anyway (healthz 200, readyz and every
  // database request 503) while migrations are retried in the background.
  db::OpenOptions db_options = config.database;
  db_options.migrate_in_background = db::is_postgres_url(db_options.url);
  if (!db_options.migrate_in_background) {
    const int applied = db::migrate(config.database.url);
    spdlog::info("database ready ({} migrations applied)", applied);
  }
  const auto key_file = std::filesystem::path(config.data_dir) / "token-keys";
  const std::string keys_where = !config.token_keys.empty() ? std::string("from --token-keys")
                                 : std::filesystem::exists(key_file)
                                     ? key_file.string()
                                     : key_file.string() + " (created now)";
  auto keys =
      config.token_keys.empty() ? load_or_create_token_keys(config.data_dir) : config.token_keys;
  std::vector<std::string> secrets;
  for (const auto& k : keys) secrets.push_back(k.secret);
  const CursorCodec cursors(secrets);

  Metrics metrics;
  // Outlives the database: a delivering transaction may still be running on SQLite's writer
  // thread while the database shuts down.
  tasks::EventBus task_events;
  auto& delivered = metrics.counter("gooddeeds_task_events_delivered_total",
                                    "Task events published to in-process subscribers.");
  task_events.subscribe([&delivered](const tasks::TaskEvent& e) {
    delivered.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("task event {} {} for {} on task {}", e.id, e.type, e.recipient_id, e.task_id);
  });
  http::Server server(config.server, metrics);
  auto database = db::open_database(server.executor(), db_options);
  users::UserStore user_store(*database);
  auth::SessionStore session_store(*database);
  auth::PasswordHasher hasher(config.hashing);
  auth::TokenSigner signer(std::move(keys), config.token_issuer, config.token_audience);
  auth::AuthService auth_service(user_store, session_store, hasher, signer, config.auth);
  auth_service.attach_metrics(metrics);
  auth::SessionsPart sessions_part(session_store, auth_service);
  oauth::OAuthService oauth_service(*database, user_store, auth_service, config.oauth,
                                    config.auth.per_ip, metrics);
  oauth::IdentityStore identity_store(*database);
  oauth::IdentitiesPart identities_part(identity_store);
  mail::MailStack mail_stack(*database, user_store, config.mail, metrics);
  auth::EmailFlows email_flows(auth_service, user_store, hasher, mail_stack.accounts(),
                               config.email_flows);
  email_flows.attach();
  notifications::NotificationService notification_service(*database);
  notifications::NotificationsPart notifications_part(notification_service);
  (void)notifications::text_tables();  // a text table that lacks a type stops the start here
  points::Ledger ledger(*database);
  ledger.attach_metrics(metrics);
  points::LedgerPart ledger_part(ledger);
  projects::ProjectStore project_store(*database);
  projects::ProjectService project_service(project_store);
  projects::ProjectsPart projects_part(project_store);
  tasks::TaskStore task_store(*database);
  tasks::TaskService task_service(task_store, ledger, project_service, config.tasks);
  task_service.attach_metrics(metrics);
  tasks::TasksPart tasks_part(task_store);
  push::PushStack push_stack(*database, config.push, metrics);
  push::DevicesPart devices_part(push_stack.service());
  db::IdempotencyKeys idempotency_keys(*database);
  partners::PartnerStore partner_store(*database);
  partners::PartnerService partner_service(partner_store, config.partner_limits);
  partners::RedemptionService redemption_service(partner_store, ledger, config.redemptions);
  redemption_service.attach_metrics(metrics);
  partners::RedemptionsPart redemptions_part(redemption_service);
  // --redis-url: the sign-in and code-guessing budgets become the whole service's. The client
  // stops (its worker joined) before anything its callbacks reach is destroyed (StopRedis).
  std::unique_ptr<redis::Client> redis_client;
  std::unique_ptr<auth::SharedBuckets> shared_buckets;
  std::unique_ptr<auth::SharedSessions> shared_sessions;
  if (config.redis) {
    redis_client = std::make_unique<redis::Client>(*config.redis);
    shared_buckets = std::make_unique<auth::SharedBuckets>(
        *redis_client, &metrics.counter("gooddeeds_rate_limit_local_decisions_total",
                                        "Rate-limit decisions taken by this process alone "
                                        "because Redis did not answer (--redis-url)."));
    auth_service.share_limits(shared_buckets.get());
    shared_sessions =
        std::make_unique<auth::SharedSessions>(*redis_client, config.auth.refresh_ttl_s * 1000);
    auth_service.share_sessions(shared_sessions.get());
    redemption_service.share_limits(shared_buckets.get());
    oauth_service.share_limits(shared_buckets.get());
    email_flows.share_limits(shared_buckets.get());
    metrics.gauge("gooddeeds_redis_connected", "1 while this process's Redis connections are up.",
                  [client = redis_client.get()] {
                    return client->connected() && client->subscribed() ? 1.0 : 0.0;
                  });
  }

  // Every bearer-token request passes through the active-user count on its way to auth.
  users::Activity activity(*database, auth_service, config.active_users_cache_ms);
  activity.attach_metrics(metrics);
  add_ops_metrics(metrics, *database);
  server.set_authenticator(&activity);
  server.set_api_key_authenticator(&partner_service);
  add_ops_routes(server.router(), *database, metrics, activity);
  auth::add_routes(server.router(), auth_service);
  oauth::add_routes(server.router(), oauth_service);
  auth::add_email_routes(server.router(), email_flows);
  users::add_routes(server.router(), user_store,
                    {&sessions_part, &identities_part, &ledger_part, &projects_part, &tasks_part,
                     &redemptions_part, &notifications_part, &devices_part, &mail_stack.part()},
                    [&email_flows](http::Principal who, users::EmailChangeRequest change) {
                      return email_flows.change_email(std::move(who), std::move(change));
                    });
  push::add_routes(server.router(), push_stack.service(), push_stack.vapid_public_key());
  users::add_admin_routes(server.router(), user_store, [&auth_service](std::string id) {
    return auth_service.end_all_sessions(std::move(id), "account_deactivated");
  });
  notifications::add_routes(server.router(), notification_service, cursors);
  points::add_routes(server.router(), ledger, cursors);
  points::add_admin_routes(server.router(), ledger, idempotency_keys);
  tasks::add_routes(server.router(), task_service, idempotency_keys, cursors);
  sync::SyncService sync_service(*database, task_service, project_service);
  sync::add_routes(server.router(), sync_service, config.max_sync_push_bytes);
  tasks::add_admin_routes(server.router(), task_service);
  partners::add_routes(server.router(), partner_service, redemption_service, idempotency_keys,
                       cursors);
  partners::add_admin_routes(server.router(), partner_service, redemption_service, cursors);
  const auto media_store = media::open_blob_store(config.media_store, config.s3);
  media::MediaService media_service(*media_store, config.media);
  media::add_routes(server.router(), media_service);
  metrics.gauge("gooddeeds_media_jobs_pending", "Image uploads queued or being processed.",
                [&media_service] { return static_cast<double>(media_service.pending()); });
  add_gauges(metrics, *database, hasher);
  web::add_routes(server.router(), web::load_files(config.web), config.web);
  // Live sockets: fed after commit by the notification relay and the task event bus; closed
  // when their session ends.
  // With Redis, task frames and session ends reach every process; a session ended elsewhere
  // also empties this process's session cache.
  live::LocalHub live_sockets;
  std::unique_ptr<live::RedisHub> redis_hub;
  if (redis_client)
    redis_hub = std::make_unique<live::RedisHub>(
        live_sockets, *redis_client, [&auth_service] { auth_service.sessions_ended_elsewhere(); });
  live::LiveHub& hub = redis_hub ? static_cast<live::LiveHub&>(*redis_hub) : live_sockets;
  // Whatever ends this function, the client's worker is joined before the hub it calls goes.
  struct StopRedis {
    std::unique_ptr<redis::Client>& client;
    ~StopRedis() { client.reset(); }
  } stop_redis{redis_client};
  live::LiveService live_service(live_sockets, hub, notification_service, task_service,
                                 std::chrono::milliseconds(config.live_poll_ms));
  live_service.follow(task_events);
  auth_service.on_sessions_ended([&hub](const auth::SessionsEnded& e) {
    hub.end_sessions(e.user_id, e.session_id, e.except_session_id);
  });
  server.set_live_endpoint(&live_service);
  live::add_routes(server.router());
  metrics.gauge("gooddeeds_live_sockets", "Authenticated live sockets open in this process.",
                [&live_sockets] { return static_cast<double>(live_sockets.size()); });
  // Every route is registered above this line (`gooddeeds describe routes` reads them here).
  if (inspect) {
    inspect(server.router());
    return 0;
  }
  tasks::OutboxRelay relay(*database, task_events,
                           std::chrono::milliseconds(config.outbox_poll_ms));
  relay.start(server.executor());
  live_service.start(server.executor());
  server.on_shutdown([&relay, &live_service] {
    relay.stop();
    live_service.stop();
  });
  push_stack.worker().start(server.executor());
  server.on_shutdown([&push_stack] { push_stack.worker().stop(); });
  mail_stack.worker().start(server.executor());
  server.on_shutdown([&mail_stack] { mail_stack.worker().stop(); });
  // Hourly, a batch at a time; each process prunes (harmless when several do).
  const std::int64_t retention_ms = std::int64_t{config.sync_retention_days} * 86'400'000;
  Periodic pruner("sync change-log pruning", std::chrono::hours(1), [&]() -> Task<bool> {
    co_return co_await sync::prune_changes(*database, now_ms() - retention_ms) == sync::kPruneBatch;
  });
  if (config.sync_retention_days > 0) {
    pruner.start(server.executor());
    server.on_shutdown([&pruner] { pruner.stop(); });
  }
  // Sessions that ran out end like revoked ones: their devices go, their live sockets close.
  Periodic session_sweep(
      "session expiry", std::chrono::milliseconds(config.session_sweep_ms), [&]() -> Task<bool> {
        co_return co_await auth_service.end_expired_sessions() == auth::AuthService::kExpireBatch;
      });
  session_sweep.start(server.executor());
  server.on_shutdown([&session_sweep] { session_sweep.stop(); });
  // Once the database answers (PostgreSQL may still be migrating): where things are, and the
  // command that creates the first admin while there is none.
  Periodic first_run("start-up report", std::chrono::seconds(2), [&]() -> Task<bool> {
    const bool admin = co_await user_store.any_admin();
    for (const auto& line : startup_lines(config.database.url, keys_where,
                                          base_url(config.server.host, server.bound_port())))
      spdlog::info("{}", line);
    if (!admin) spdlog::warn("{}", no_admin_hint(config.database.url));
    first_run.stop();
    co_return false;
  });
  first_run.start(server.executor());
  server.on_shutdown([&first_run] { first_run.stop(); });
  server.run();
  redis_client.reset();  // joins its worker: no callback runs into what is destroyed next
  if (auto access = spdlog::get("access")) access->flush();
  return 0;
}

}  // namespace gd::app
