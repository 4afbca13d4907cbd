// Command-line and environment parsing for `gooddeeds serve`.
#include "app/config.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <thread>

#include "app/log_sinks.hpp"
#include "auth/jwt.hpp"

namespace gd::app {
namespace po = boost::program_options;
namespace {

std::string env_name_for(const std::string& option) {
  std::string out = "GOODDEEDS_";
  for (char c : option) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(sep)) + item;
  return out;
}

// RFC 9110 5.1: a field name is a token.
bool is_header_name(std::string_view name) {
  constexpr std::string_view kTchar = "!#$%&'*+-.^_`|~";
  if (name.empty()) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && kTchar.find(c) == std::string_view::npos)
      return false;
  return true;
}

std::string decode_secret(const std::string& text) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &len, nullptr, variant) == 0) {
      out.resize(len);
      return out;
    }
  }
  throw std::invalid_argument("token key is not base64");
}

// What /config.json tells the web app about the configured providers.
std::vector<web::SignInProvider> web_sign_in(const oauth::OAuthConfig& c) {
  std::vector<web::SignInProvider> out;
  for (const auto p : {oauth::Provider::kGoogle, oauth::Provider::kApple}) {
    const auto& pc = p == oauth::Provider::kGoogle ? c.google : c.apple;
    if (pc.configured())
      out.push_back({std::string(oauth::provider_name(p)), pc.client_ids.front(), pc.auth_url});
  }
  return out;
}

// The value of a GOODDEEDS_* variable as an error message shows it: "***" for options that
// may hold a secret (keys, tokens, URLs with passwords).
std::string shown_value(const std::string& option, const std::string& value) {
  for (std::string_view secret : {"secret", "token", "password", "key", "url", "database"})
    if (option.find(secret) != std::string::npos) return "***";
  return value;
}

// Stores the GOODDEEDS_* variables one at a time, so that an invalid value is reported as
// "GOODDEEDS_X=value: ..." rather than under the flag's name. Returns option -> value of
// every variable that names an option.
std::map<std::string, std::string> store_environment(const po::options_description& opts,
                                                     po::variables_map& vm) {
  const auto env = po::parse_environment(opts, [&opts](const std::string& name) -> std::string {
    for (const auto& o : opts.options())
      if (env_name_for(o->long_name()) == name) return o->long_name();
    return {};
  });
  std::map<std::string, std::string> values;
  for (const auto& option : env.options) {
    const std::string value = option.value.empty() ? "" : option.value.front();
    values[option.string_key] = shown_value(option.string_key, value);
    po::parsed_options one(&opts);
    one.options.push_back(option);
    try {
      po::store(one, vm);
    } catch (const po::error&) {
      throw std::invalid_argument(
          env_name_for(option.string_key) + "=" + shown_value(option.string_key, value) +
          ": not a valid value (the variable sets --" + option.string_key + ")");
    }
  }
  return values;
}

// A validation message that starts with "--flag" about an option set only by its
// GOODDEEDS_* variable is reported under the variable: "GOODDEEDS_FLAG=value: --flag ...".
std::string name_the_variable(const std::string& message,
                              const std::map<std::string, std::string>& from_env) {
  if (message.rfind("--", 0) != 0) return message;
  const auto end = message.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-", 2);
  const auto it = from_env.find(message.substr(2, end == std::string::npos ? end : end - 2));
  if (it == from_env.end()) return message;
  return env_name_for(it->first) + "=" + it->second + ": " + message;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// --media-store and the S3 credentials, which fall back to the AWS_* variables every S3 tool
// reads. A bad spec or missing keys stop the start, not the first upload.
void read_media_store(Config& c, const std::string& spec) {
  auto& keys = c.s3.credentials;
  if (keys.access_key_id.empty()) keys.access_key_id = env_or_empty("AWS_ACCESS_KEY_ID");
  if (keys.secret_access_key.empty())
    keys.secret_access_key = env_or_empty("AWS_SECRET_ACCESS_KEY");
  if (keys.session_token.empty()) keys.session_token = env_or_empty("AWS_SESSION_TOKEN");
  std::string region = env_or_empty("AWS_REGION");
  if (region.empty()) region = env_or_empty("AWS_DEFAULT_REGION");
  c.media_store = media::parse_media_store(
      spec.empty() ? "dir:" + (std::filesystem::path(c.data_dir) / "media").string() : spec,
      region);
  if (std::holds_alternative<media::S3Location>(c.media_store) &&
      (keys.access_key_id.empty() || keys.secret_access_key.empty()))
    throw std::invalid_argument(
        "an s3:// --media-store needs --s3-access-key-id and --s3-secret-access-key "
        "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  if (c.s3.connect_timeout_ms < 1 || c.s3.timeout_ms < 1 || c.s3.retry_base_ms < 1 ||
      c.s3.retries < 0 || c.s3.retries > 10)
    throw std::invalid_argument(
        "--s3-connect-timeout-ms, --s3-timeout-ms and --s3-retry-base-ms must be at least 1, "
        "--s3-retries between 0 and 10");
  if (c.s3.get_chunk_bytes < 1024 || c.s3.get_chunk_bytes > 64u * 1024 * 1024)
    throw std::invalid_argument("--s3-get-chunk-bytes must be between 1 KiB and 64 MiB");
}

}  // namespace

std::vector<auth::SigningKey> parse_token_keys(const std::string& spec) {
  std::vector<auth::SigningKey> keys;
  for (const auto& item : split(spec, ',')) {
    const auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0)
      throw std::invalid_argument("token keys must look like kid:base64secret");
    keys.push_back({item.substr(0, colon), decode_secret(item.substr(colon + 1))});
    if (keys.back().secret.size() < 32)
      throw std::invalid_argument("token key " + keys.back().kid + " must be at least 32 bytes");
  }
  return keys;
}

std::vector<auth::SigningKey> load_or_create_token_keys(const std::string& data_dir) {
  const auto path = std::filesystem::path(data_dir) / "token-keys";
  if (!std::filesystem::exists(path)) {
    std::filesystem::create_directories(data_dir);
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    unsigned char kid_bytes[6];
    randombytes_buf(kid_bytes, sizeof kid_bytes);
    const auto kid = auth::base64url(std::string_view(reinterpret_cast<char*>(kid_bytes), 6));
    const auto line =
        kid + ":" + auth::base64url(std::string_view(reinterpret_cast<char*>(secret), 32));
    const auto tmp = path.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << line << "\n";
      if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    ::chmod(tmp.c_str(), 0600);
    std::filesystem::rename(tmp, path);  // atomic: a concurrent starter reads a whole file
  }
  std::ifstream in(path);
  std::string spec, line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') spec += (spec.empty() ? "" : ",") + line;
  return parse_token_keys(spec);
}

std::optional<Config> parse_serve_args(int argc, char** argv, int& exit_code) {
  Config c;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::string cors_headers = join(c.server.cors_allow_headers, ", ");
  std::string listen = "127.0.0.1:8080", database, cors, keys, google_ids, apple_ids, media_store,
              redis_url, trusted_proxies;
  int redis_timeout_ms = redis::ClientOptions{}.command_timeout_ms;
  std::size_t redis_max_queued = redis::ClientOptions{}.max_queued;
  double ip_per_min = 60, email_ip_per_min = 1, email_per_min = 2;
  double code_misses_per_min = c.redemptions.unknown_codes.refill_per_s * 60;
  double reset_ip_per_h = c.email_flows.reset_per_ip.refill_per_s * 3600;
  double reset_email_per_h = c.email_flows.reset_per_email.refill_per_s * 3600;
  double mail_user_per_h = c.email_flows.mail_per_user.refill_per_s * 3600;
  po::options_description opts(
      "gooddeeds serve [options]\n\nEvery option can also be set as "
      "GOODDEEDS_<NAME> (e.g. --data-dir -> GOODDEEDS_DATA_DIR)");
  // clang-format off
  opts.add_options()
    ("help,h", "show this help")
    ("listen", po::value(&listen)->default_value(listen), "HOST:PORT to listen on")
    ("database", po::value(&database), "sqlite:PATH or postgres://... (default sqlite:<data-dir>/gooddeeds.db)")
    ("data-dir", po::value(&c.data_dir)->default_value(c.data_dir), "directory for the SQLite file, signing keys and media")
    ("log-level", po::value(&c.log_level)->default_value(c.log_level), "trace|debug|info|warn|error|off (anything else is refused)")
    ("log-format", po::value(&c.log_format)->default_value(c.log_format), "text: application lines as \"<time> <level> <message>\"; json: every line one JSON object (ts, level, type, msg, requestId). Access lines are JSON in both")
    ("access-log", po::value(&c.server.access_log)->default_value(true, "true"), "JSON access log on stdout (true|false)")
    ("access-log-batch-bytes", po::value(&c.access_log_batch_bytes)->default_value(c.access_log_batch_bytes), "access lines are collected up to this many bytes and written at least once a second (0: each line at once)")
    ("linger-ms", po::value(&c.server.linger_ms)->default_value(c.server.linger_ms), "after a refused body (413), unread bytes are discarded this long before the connection closes, so the client reads the answer")
    ("linger-max-bytes", po::value(&c.server.linger_max_bytes)->default_value(c.server.linger_max_bytes), "most unread bytes discarded that way")
    ("workers", po::value(&c.server.threads)->default_value(static_cast<int>(cores)), "I/O threads")
    ("hash-workers", po::value(&c.hashing.threads)->default_value(cores), "Argon2id hashing threads")
    ("hash-normal-workers", po::value(&c.hashing.normal_threads)->default_value(std::max(1u, cores - 1)), "of the hashing threads, how many run at the I/O threads' priority; the rest run at --hash-nice and take a hash only when these are all busy")
    ("hash-nice", po::value(&c.hashing.nice)->default_value(c.hashing.nice), "nice level of the hashing threads beyond --hash-normal-workers (0..19)")
    ("hash-queue", po::value(&c.hashing.max_pending)->default_value(c.hashing.max_pending), "hashes queued or running before sign-ins get 503")
    ("argon2-ops", po::value(&c.hashing.ops_limit)->default_value(c.hashing.ops_limit), "Argon2id iterations")
    ("argon2-mem-bytes", po::value(&c.hashing.mem_limit_bytes)->default_value(c.hashing.mem_limit_bytes), "Argon2id memory per hash")
    ("db-pool-size", po::value(&c.database.pool_size)->default_value(c.database.pool_size), "PostgreSQL connections / idle SQLite readers")
    ("db-acquire-timeout-ms", po::value(&c.database.acquire_timeout_ms)->default_value(c.database.acquire_timeout_ms), "wait for a free PostgreSQL connection")
    ("db-statement-timeout-ms", po::value(&c.database.statement_timeout_ms)->default_value(c.database.statement_timeout_ms), "PostgreSQL statement_timeout and idle_in_transaction_session_timeout (0: none)")
    ("sqlite-busy-timeout-ms", po::value(&c.database.busy_timeout_ms)->default_value(c.database.busy_timeout_ms), "SQLite lock wait")
    ("max-body-bytes", po::value(&c.server.max_body_bytes)->default_value(c.server.max_body_bytes), "largest JSON body")
    ("max-header-bytes", po::value(&c.server.max_header_bytes)->default_value(c.server.max_header_bytes), "largest request head")
    ("header-timeout-ms", po::value(&c.server.header_timeout_ms)->default_value(c.server.header_timeout_ms), "time to send a request's headers")
    ("body-timeout-ms", po::value(&c.server.body_timeout_ms)->default_value(c.server.body_timeout_ms), "time to send a body / read a response")
    ("idle-timeout-ms", po::value(&c.server.idle_timeout_ms)->default_value(c.server.idle_timeout_ms), "keep-alive idle time")
    ("max-connections", po::value(&c.server.max_connections)->default_value(c.server.max_connections), "open connections; beyond, idle ones are closed first and new ones wait (0: the open-files limit, raised to its hard limit, less a reserve)")
    ("max-connections-per-ip", po::value(&c.server.max_connections_per_ip)->default_value(c.server.max_connections_per_ip), "open connections from one client IP; a further one is closed at once (0: no limit)")
    ("shutdown-timeout-ms", po::value(&c.server.shutdown_timeout_ms)->default_value(c.server.shutdown_timeout_ms), "grace period for in-flight requests on SIGTERM")
    ("max-upload-bytes", po::value(&c.media.max_upload_bytes)->default_value(c.media.max_upload_bytes), "largest image upload (413 beyond)")
    ("max-image-side-px", po::value(&c.media.max_input_side_px)->default_value(c.media.max_input_side_px), "widest or tallest image accepted (400 IMAGE_TOO_LARGE beyond)")
    ("max-image-pixels", po::value(&c.media.max_pixels)->default_value(c.media.max_pixels), "largest width x height accepted (400 IMAGE_TOO_LARGE beyond)")
    ("image-output-side-px", po::value(&c.media.max_side_px)->default_value(c.media.max_side_px), "longer side of a stored image after downscaling")
    ("image-queue", po::value(&c.media.max_pending)->default_value(c.media.max_pending), "uploads queued or being processed before 503 (0: uploads refused)")
    ("media-store", po::value(&media_store), "where uploads are kept: dir:PATH or s3://BUCKET?endpoint=URL&region=R (default dir:<data-dir>/media; region default $AWS_REGION, else us-east-1)")
    ("s3-access-key-id", po::value(&c.s3.credentials.access_key_id), "access key of an s3:// media store (default $AWS_ACCESS_KEY_ID)")
    ("s3-secret-access-key", po::value(&c.s3.credentials.secret_access_key), "its secret key (default $AWS_SECRET_ACCESS_KEY)")
    ("s3-session-token", po::value(&c.s3.credentials.session_token), "session token for temporary credentials (default $AWS_SESSION_TOKEN)")
    ("s3-connect-timeout-ms", po::value(&c.s3.connect_timeout_ms)->default_value(c.s3.connect_timeout_ms), "connect timeout of a media store request")
    ("s3-timeout-ms", po::value(&c.s3.timeout_ms)->default_value(c.s3.timeout_ms), "total timeout of one media store request attempt")
    ("s3-retries", po::value(&c.s3.retries)->default_value(c.s3.retries), "further attempts of a media store request after a 5xx, 429 or no answer (then 503)")
    ("s3-retry-base-ms", po::value(&c.s3.retry_base_ms)->default_value(c.s3.retry_base_ms), "first media store retry after up to this long (doubling, with jitter)")
    ("s3-ca-file", po::value(&c.s3.ca_file), "CA bundle for an https media store endpoint (default: the system's)")
    ("s3-get-chunk-bytes", po::value(&c.s3.get_chunk_bytes)->default_value(c.s3.get_chunk_bytes), "/media/{name} reads a stored image in ranged GETs of this size and streams it, holding one piece at a time")
    ("partner-code-misses-burst", po::value(&c.redemptions.unknown_codes.burst)->default_value(c.redemptions.unknown_codes.burst), "unknown discount codes a partner may look up before 429")
    ("partner-code-misses-per-min", po::value(&code_misses_per_min)->default_value(code_misses_per_min), "refill of that budget per minute")
    ("redis-url", po::value(&redis_url), "redis://HOST:PORT[/DB]: processes share rate limits, session revocations and live events through this Redis (unset: each process alone)")
    ("redis-max-queued", po::value(&redis_max_queued)->default_value(redis_max_queued), "Redis commands waiting to be sent; beyond, a command fails at once and the process decides alone")
    ("redis-timeout-ms", po::value(&redis_timeout_ms)->default_value(redis_timeout_ms), "Redis connect and reply timeout; slower, the process decides alone meanwhile")
    ("trusted-proxies", po::value(&trusted_proxies), "CIDR[,CIDR...]: peers whose X-Forwarded-For is believed (rightmost untrusted address), for rate limits and logs (default: none)")
    ("cors-origins", po::value(&cors), "comma-separated allowed origins, or *")
    ("cors-allow-headers", po::value(&cors_headers)->default_value(cors_headers), "comma-separated request headers a cross-origin request may send (a preflight asking for another is answered without CORS headers)")
    ("web-dir", po::value(&c.web.dir), "serve the web app from this build directory (read at start) instead of the one built in")
    ("map-tiles-url", po::value(&c.web.map_tiles_url)->default_value(c.web.map_tiles_url), "the web app's map tile URL template ({z}/{x}/{y}, optional {s}); its host is allowed by the CSP")
    ("token-keys", po::value(&keys), "kid:base64secret[,kid:base64secret...]; first signs, all verify (default: <data-dir>/token-keys)")
    ("token-issuer", po::value(&c.token_issuer)->default_value(c.token_issuer), "JWT iss")
    ("token-audience", po::value(&c.token_audience)->default_value(c.token_audience), "JWT aud")
    ("access-token-ttl-s", po::value(&c.auth.access_ttl_s)->default_value(c.auth.access_ttl_s), "access token lifetime")
    ("refresh-token-ttl-s", po::value(&c.auth.refresh_ttl_s)->default_value(c.auth.refresh_ttl_s), "refresh token / session lifetime")
    ("max-task-reward", po::value(&c.tasks.max_reward)->default_value(c.tasks.max_reward), "largest pointsReward a task may offer")
    ("session-sweep-ms", po::value(&c.session_sweep_ms)->default_value(c.session_sweep_ms), "how often sessions past their expiry are ended (their push devices removed, live sockets closed)")
    ("outbox-poll-ms", po::value(&c.outbox_poll_ms)->default_value(c.outbox_poll_ms), "how often task events are picked up from the outbox and published")
    ("live-poll-ms", po::value(&c.live_poll_ms)->default_value(c.live_poll_ms), "how often live sockets' feeds look for newly committed notifications and changed tasks")
    ("live-handshake-timeout-ms", po::value(&c.server.live.handshake_timeout_ms)->default_value(c.server.live.handshake_timeout_ms), "time a live socket's WebSocket upgrade handshake may take")
    ("live-auth-timeout-ms", po::value(&c.server.live.auth_timeout_ms)->default_value(c.server.live.auth_timeout_ms), "time a live socket has to send its auth message (then closed with 4000)")
    ("live-ping-ms", po::value(&c.server.live.ping_interval_ms)->default_value(c.server.live.ping_interval_ms), "a live socket silent this long is pinged; silent twice as long, it is closed")
    ("live-max-message-bytes", po::value(&c.server.live.max_message_bytes)->default_value(c.server.live.max_message_bytes), "largest message a live client may send (closed with 1009 beyond)")
    ("live-queue-bytes", po::value(&c.server.live.max_queued_bytes)->default_value(c.server.live.max_queued_bytes), "unsent bytes queued for one live socket; beyond, the client is not reading and is disconnected")
    ("max-sync-push-bytes", po::value(&c.max_sync_push_bytes)->default_value(c.max_sync_push_bytes), "largest offline sync push body (413 beyond)")
    ("sync-retention-days", po::value(&c.sync_retention_days)->default_value(c.sync_retention_days), "days the sync change log is kept (0: forever); older clients resync in full")
    ("max-points-per-day", po::value(&c.tasks.earning.max_per_day)->default_value(c.tasks.earning.max_per_day), "task rewards credited to one user per UTC day; a reward beyond is cut down")
    ("max-offers-per-partner", po::value(&c.partner_limits.max_active_offers)->default_value(c.partner_limits.max_active_offers), "active offers a partner may have (the catalogue lists them all); more is 409 LIMIT_REACHED")
    ("max-api-keys-per-partner", po::value(&c.partner_limits.max_live_keys)->default_value(c.partner_limits.max_live_keys), "live API keys a partner may have; more is 409 LIMIT_REACHED")
    ("max-points-per-pair", po::value(&c.tasks.earning.max_per_pair)->default_value(c.tasks.earning.max_per_pair), "task rewards one creator can give one helper within --pair-window-days; a reward beyond is cut down (0: no limit)")
    ("pair-window-days", po::value(&c.tasks.earning.pair_window_days)->default_value(c.tasks.earning.pair_window_days), "the rolling window of --max-points-per-pair, in days")
    ("redeem-min-account-age-days", po::value(&c.redemptions.hold.min_account_age_days)->default_value(c.redemptions.hold.min_account_age_days), "accounts younger than this cannot redeem yet (0: no hold)")
    ("redeem-min-reward-creators", po::value(&c.redemptions.hold.min_reward_creators)->default_value(c.redemptions.hold.min_reward_creators), "a helper whose task rewards come from fewer creators than this cannot redeem yet (0 or 1: no hold)")
    ("session-cache-ms", po::value(&c.auth.session_cache_ms)->default_value(c.auth.session_cache_ms), "how long a live session is trusted without a database check")
    ("active-users-cache-ms", po::value(&c.active_users_cache_ms)->default_value(c.active_users_cache_ms), "how long /metrics reuses one count of daily and monthly active users (0: counts on every scrape)")
    ("auth-rate-per-ip-burst", po::value(&c.auth.per_ip.burst)->default_value(c.auth.per_ip.burst), "failed logins + registrations per IP before 429")
    ("auth-rate-per-ip-per-min", po::value(&ip_per_min)->default_value(ip_per_min), "refill of that budget per minute")
    ("auth-rate-per-email-ip-burst", po::value(&c.auth.per_email_ip.burst)->default_value(c.auth.per_email_ip.burst), "failed logins + registrations per email from one IP before 429")
    ("auth-rate-per-email-ip-per-min", po::value(&email_ip_per_min)->default_value(email_ip_per_min), "refill of that budget per minute")
    ("auth-rate-per-email-burst", po::value(&c.auth.per_email.burst)->default_value(c.auth.per_email.burst), "failed logins + registrations per email from all IPs before 429")
    ("auth-rate-per-email-per-min", po::value(&email_per_min)->default_value(email_per_min), "refill of that budget per minute")
    ("webpush-vapid-key-file", po::value(&c.push.webpush_vapid_key_file), "VAPID key for Web Push: PEM, EC P-256 private key (unset: Web Push off)")
    ("webpush-subject", po::value(&c.push.webpush_subject)->default_value(c.push.webpush_subject), "VAPID subject: a mailto: or https: contact")
    ("webpush-ttl-s", po::value(&c.push.webpush_ttl_s)->default_value(c.push.webpush_ttl_s), "how long a Web Push service may keep a message for an offline device")
    ("fcm-service-account-file", po::value(&c.push.fcm_service_account_file), "FCM service account JSON (client_email, private_key, token_uri, project_id; unset: FCM off)")
    ("fcm-endpoint", po::value(&c.push.fcm_endpoint)->default_value(c.push.fcm_endpoint), "FCM HTTP v1 base URL")
    ("apns-key-file", po::value(&c.push.apns_key_file), "APNs auth key (.p8, PEM; unset: APNs off)")
    ("apns-key-id", po::value(&c.push.apns_key_id), "APNs key id (the provider token's kid)")
    ("apns-team-id", po::value(&c.push.apns_team_id), "Apple team id (the provider token's iss)")
    ("apns-topic", po::value(&c.push.apns_topic), "apns-topic: the app's bundle id")
    ("apns-endpoint", po::value(&c.push.apns_endpoint)->default_value(c.push.apns_endpoint), "APNs base URL (https://api.sandbox.push.apple.com for development)")
    ("push-ca-file", po::value(&c.push.http.ca_file), "CA bundle for outgoing push HTTPS (default: the system's)")
    ("push-allow-private-endpoints", po::value(&c.push.allow_private_endpoints)->default_value(false)->implicit_value(true), "accept Web Push endpoints on loopback and private addresses (tests only)")
    ("push-connect-timeout-ms", po::value(&c.push.http.connect_timeout_ms)->default_value(c.push.http.connect_timeout_ms), "connect timeout of a push request")
    ("push-timeout-ms", po::value(&c.push.http.total_timeout_ms)->default_value(c.push.http.total_timeout_ms), "total timeout of a push request")
    ("push-poll-ms", po::value(&c.push.delivery.poll_ms)->default_value(c.push.delivery.poll_ms), "how often due push deliveries are looked for")
    ("push-max-attempts", po::value(&c.push.delivery.max_attempts)->default_value(c.push.delivery.max_attempts), "attempts per push message before it is dropped")
    ("push-retry-base-ms", po::value(&c.push.delivery.retry_base_ms)->default_value(c.push.delivery.retry_base_ms), "first push retry after about this long (doubling, with jitter)")
    ("push-retry-max-ms", po::value(&c.push.delivery.retry_max_ms)->default_value(c.push.delivery.retry_max_ms), "longest wait between push attempts")
    ("oauth-google-client-ids", po::value(&google_ids), "comma-separated Google OAuth client ids an ID token may be for; the first is the web client's (unset: sign-in with Google off)")
    ("oauth-google-client-secret", po::value(&c.oauth.google.client_secret), "the web client's secret, for the authorization-code flow (unset: only ID tokens)")
    ("oauth-google-issuer", po::value(&c.oauth.google.issuer)->default_value(c.oauth.google.issuer), "iss of Google's ID tokens")
    ("oauth-google-jwks-url", po::value(&c.oauth.google.jwks_url)->default_value(c.oauth.google.jwks_url), "Google's signing keys (JWKS)")
    ("oauth-google-token-url", po::value(&c.oauth.google.token_url)->default_value(c.oauth.google.token_url), "Google's token endpoint (code exchange)")
    ("oauth-google-auth-url", po::value(&c.oauth.google.auth_url)->default_value(c.oauth.google.auth_url), "Google's authorization endpoint, published to the web app in /config.json")
    ("oauth-apple-client-ids", po::value(&apple_ids), "comma-separated Apple client ids (bundle id, services id) an ID token may be for; the first is the web client's (unset: sign-in with Apple off)")
    ("oauth-apple-team-id", po::value(&c.oauth.apple.team_id), "Apple team id: the client secret's iss (code flow)")
    ("oauth-apple-key-id", po::value(&c.oauth.apple.key_id), "id of the Sign in with Apple key: the client secret's kid (code flow)")
    ("oauth-apple-private-key-file", po::value(&c.oauth.apple.private_key_file), "the Sign in with Apple key (.p8, PEM, P-256) that signs the client secret (unset: only ID tokens)")
    ("oauth-apple-issuer", po::value(&c.oauth.apple.issuer)->default_value(c.oauth.apple.issuer), "iss of Apple's ID tokens (also the client secret's aud)")
    ("oauth-apple-jwks-url", po::value(&c.oauth.apple.jwks_url)->default_value(c.oauth.apple.jwks_url), "Apple's signing keys (JWKS)")
    ("oauth-apple-token-url", po::value(&c.oauth.apple.token_url)->default_value(c.oauth.apple.token_url), "Apple's token endpoint (code exchange)")
    ("oauth-apple-auth-url", po::value(&c.oauth.apple.auth_url)->default_value(c.oauth.apple.auth_url), "Apple's authorization endpoint, published to the web app in /config.json")
    ("oauth-jwks-refetch-ms", po::value(&c.oauth.jwks_refetch_ms)->default_value(c.oauth.jwks_refetch_ms), "a token with an unknown key id fetches the provider's JWKS again at most this often")
    ("oauth-jwks-max-age-s", po::value(&c.oauth.jwks_max_age_s)->default_value(c.oauth.jwks_max_age_s), "how long a JWKS is kept when its response has no Cache-Control max-age")
    ("oauth-connect-timeout-ms", po::value(&c.oauth.http.connect_timeout_ms)->default_value(c.oauth.http.connect_timeout_ms), "connect timeout of a request to a sign-in provider")
    ("oauth-timeout-ms", po::value(&c.oauth.http.total_timeout_ms)->default_value(c.oauth.http.total_timeout_ms), "total timeout of a request to a sign-in provider (then 502)")
    ("smtp-url", po::value(&c.mail.smtp.url), "smtp[s]://user:password@host:port of the mail server (unset: messages are written to the log); smtp:// must offer STARTTLS unless the host is loopback")
    ("mail-from", po::value(&c.mail.smtp.from)->default_value(c.mail.smtp.from), "the From of outgoing mail, e.g. \"Good Deeds <noreply@example.org>\"")
    ("public-url", po::value(&c.mail.links.public_url), "base of the links in mail (default http://localhost:<port>)")
    ("smtp-ca-file", po::value(&c.mail.smtp.ca_file), "CA bundle for the mail server's TLS (default: the system's)")
    ("smtp-connect-timeout-ms", po::value(&c.mail.smtp.connect_timeout_ms)->default_value(c.mail.smtp.connect_timeout_ms), "connect timeout of one SMTP delivery")
    ("smtp-timeout-ms", po::value(&c.mail.smtp.total_timeout_ms)->default_value(c.mail.smtp.total_timeout_ms), "total timeout of one SMTP delivery")
    ("mail-poll-ms", po::value(&c.mail.delivery.poll_ms)->default_value(c.mail.delivery.poll_ms), "how often due mail is looked for (new mail is sent at once)")
    ("mail-max-attempts", po::value(&c.mail.delivery.max_attempts)->default_value(c.mail.delivery.max_attempts), "attempts per message before it is dropped")
    ("mail-retry-base-ms", po::value(&c.mail.delivery.retry_base_ms)->default_value(c.mail.delivery.retry_base_ms), "first mail retry after about this long (doubling, with jitter)")
    ("mail-retry-max-ms", po::value(&c.mail.delivery.retry_max_ms)->default_value(c.mail.delivery.retry_max_ms), "longest wait between mail attempts")
    ("verify-token-ttl-s", po::value(&c.mail.links.verify_ttl_s)->default_value(c.mail.links.verify_ttl_s), "lifetime of an email verification link")
    ("reset-token-ttl-s", po::value(&c.mail.links.reset_ttl_s)->default_value(c.mail.links.reset_ttl_s), "lifetime of a password reset link")
    ("password-reset-rate-per-ip-burst", po::value(&c.email_flows.reset_per_ip.burst)->default_value(c.email_flows.reset_per_ip.burst), "password reset requests per IP before 429")
    ("password-reset-rate-per-ip-per-h", po::value(&reset_ip_per_h)->default_value(reset_ip_per_h), "refill of that budget per hour")
    ("password-reset-rate-per-email-burst", po::value(&c.email_flows.reset_per_email.burst)->default_value(c.email_flows.reset_per_email.burst), "password reset requests per email address before 429")
    ("password-reset-rate-per-email-per-h", po::value(&reset_email_per_h)->default_value(reset_email_per_h), "refill of that budget per hour")
    ("mail-rate-per-user-burst", po::value(&c.email_flows.mail_per_user.burst)->default_value(c.email_flows.mail_per_user.burst), "verification resends + email changes per user before 429")
    ("mail-rate-per-user-per-h", po::value(&mail_user_per_h)->default_value(mail_user_per_h), "refill of that budget per hour");
  // clang-format on
  po::variables_map vm;
  // The options set by GOODDEEDS_* variables and not on the command line, with their values:
  // an error about one of them names the variable and its value, not the flag.
  std::map<std::string, std::string> from_env;
  try {
    const auto cli = po::parse_command_line(argc, argv, opts);
    po::store(cli, vm);
    from_env = store_environment(opts, vm);
    for (const auto& o : cli.options) from_env.erase(o.string_key);
    if (vm.count("help")) {
      std::cout << opts << "\n";
      exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
    if (!valid_log_level(c.log_level))
      throw std::invalid_argument(
          "--log-level must be one of trace, debug, info, warn, error, off "
          "(not '" +
          c.log_level + "')");
    if (!parse_log_format(c.log_format))
      throw std::invalid_argument("--log-format must be text or json (not '" + c.log_format + "')");
    c.server.cors_allow_headers = split(cors_headers, ',');
    for (const auto& h : c.server.cors_allow_headers)
      if (!is_header_name(h))
        throw std::invalid_argument("--cors-allow-headers: '" + h + "' is not a header name");
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--listen must be HOST:PORT");
    c.server.host = listen.substr(0, colon);
    const int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::invalid_argument("--listen port out of range");
    c.server.port = static_cast<unsigned short>(port);
    if (c.server.threads < 1) throw std::invalid_argument("--workers must be at least 1");
    if (c.hashing.nice < 0 || c.hashing.nice > 19)
      throw std::invalid_argument("--hash-nice must be between 0 and 19");
    if (c.live_poll_ms < 1) throw std::invalid_argument("--live-poll-ms must be at least 1");
    if (c.active_users_cache_ms < 0)
      throw std::invalid_argument("--active-users-cache-ms must be 0 or more");
    if (c.server.live.auth_timeout_ms < 1 || c.server.live.ping_interval_ms < 1)
      throw std::invalid_argument("--live-auth-timeout-ms and --live-ping-ms must be at least 1");
    if (c.server.live.handshake_timeout_ms < 1)
      throw std::invalid_argument("--live-handshake-timeout-ms must be at least 1");
    if (c.server.linger_ms < 0) throw std::invalid_argument("--linger-ms must be 0 or more");
    if (c.tasks.max_reward < 1) throw std::invalid_argument("--max-task-reward must be at least 1");
    if (c.database.statement_timeout_ms < 0)
      throw std::invalid_argument("--db-statement-timeout-ms must be 0 or more");
    if (c.sync_retention_days < 0)
      throw std::invalid_argument("--sync-retention-days must be 0 or more");
    if (c.tasks.earning.max_per_day < 1)
      throw std::invalid_argument("--max-points-per-day must be at least 1");
    if (c.partner_limits.max_active_offers < 1 || c.partner_limits.max_active_offers > 1000)
      throw std::invalid_argument("--max-offers-per-partner must be between 1 and 1000");
    if (c.partner_limits.max_live_keys < 1 || c.partner_limits.max_live_keys > 1000)
      throw std::invalid_argument("--max-api-keys-per-partner must be between 1 and 1000");
    if (c.session_sweep_ms < 100)
      throw std::invalid_argument("--session-sweep-ms must be at least 100");
    if (c.tasks.earning.max_per_pair < 0)
      throw std::invalid_argument("--max-points-per-pair must be 0 or more");
    if (c.tasks.earning.pair_window_days < 1 || c.tasks.earning.pair_window_days > 3650)
      throw std::invalid_argument("--pair-window-days must be between 1 and 3650");
    if (c.redemptions.hold.min_account_age_days < 0 ||
        c.redemptions.hold.min_account_age_days > 3650)
      throw std::invalid_argument("--redeem-min-account-age-days must be between 0 and 3650");
    if (c.redemptions.hold.min_reward_creators < 0 || c.redemptions.hold.min_reward_creators > 100)
      throw std::invalid_argument("--redeem-min-reward-creators must be between 0 and 100");
    if (c.push.delivery.max_attempts < 1 || c.push.delivery.retry_base_ms < 1 ||
        c.push.delivery.retry_max_ms < c.push.delivery.retry_base_ms || c.push.delivery.poll_ms < 1)
      throw std::invalid_argument("push retry settings: attempts and delays must be positive");
    if (c.push.http.connect_timeout_ms < 1 || c.push.http.total_timeout_ms < 1)
      throw std::invalid_argument("push timeouts must be at least 1 ms");
    c.push.delivery.lease_ms = std::max(60'000, 2 * c.push.http.total_timeout_ms);
    c.database.url = database.empty() ? "sqlite:" + c.data_dir + "/gooddeeds.db" : database;
    c.server.cors_origins = split(cors, ',');
    if (!redis_url.empty()) {
      auto address = redis::parse_url(redis_url);
      if (!address) throw std::invalid_argument("--redis-url must be redis://HOST:PORT[/DB]");
      if (redis_timeout_ms < 1)
        throw std::invalid_argument("--redis-timeout-ms must be at least 1");
      if (redis_max_queued < 1)
        throw std::invalid_argument("--redis-max-queued must be at least 1");
      c.redis = redis::ClientOptions{std::move(*address), redis_timeout_ms, redis_timeout_ms,
                                     redis_max_queued};
    }
    auto proxies = http::parse_cidrs(trusted_proxies);
    if (!proxies) throw std::invalid_argument("--trusted-proxies must be CIDR[,CIDR...]");
    c.server.trusted_proxies = std::move(*proxies);
    (void)web::tile_origin(c.web.map_tiles_url);  // throws for an unusable template
    c.auth.per_ip.refill_per_s = ip_per_min / 60.0;
    c.auth.per_email_ip.refill_per_s = email_ip_per_min / 60.0;
    c.redemptions.unknown_codes.refill_per_s = code_misses_per_min / 60.0;
    if (c.media.max_input_side_px < 1 || c.media.max_pixels < 1 || c.media.max_side_px < 1)
      throw std::invalid_argument("image limits must be at least 1");
    c.auth.per_email.refill_per_s = email_per_min / 60.0;
    c.oauth.google.client_ids = split(google_ids, ',');
    c.oauth.apple.client_ids = split(apple_ids, ',');
    oauth::validate(c.oauth);
    c.web.oauth = web_sign_in(c.oauth);
    read_media_store(c, media_store);
    c.token_keys = keys.empty() ? std::vector<auth::SigningKey>{} : parse_token_keys(keys);
    if (c.mail.links.public_url.empty())
      c.mail.links.public_url = "http://localhost:" + std::to_string(c.server.port);
    if (c.mail.links.public_url.rfind("https://", 0) != 0 &&
        c.mail.links.public_url.rfind("http://", 0) != 0)
      throw std::invalid_argument("--public-url must be an http(s) URL");
    if (!c.mail.smtp.url.empty()) mail::check_smtp_url(c.mail.smtp.url);
    const auto sender = mail::envelope_address(c.mail.smtp.from);
    if (sender.find('@') == std::string::npos ||
        sender.find_first_of("\r\n <>") != std::string::npos)
      throw std::invalid_argument("--mail-from must be an address or \"Name <address>\"");
    if (c.mail.links.verify_ttl_s < 1 || c.mail.links.reset_ttl_s < 1)
      throw std::invalid_argument(
          "--verify-token-ttl-s and --reset-token-ttl-s must be at least 1");
    if (c.mail.delivery.max_attempts < 1 || c.mail.delivery.retry_base_ms < 1 ||
        c.mail.delivery.retry_max_ms < c.mail.delivery.retry_base_ms || c.mail.delivery.poll_ms < 1)
      throw std::invalid_argument("mail retry settings: attempts and delays must be positive");
    if (c.mail.smtp.connect_timeout_ms < 1 || c.mail.smtp.total_timeout_ms < 1)
      throw std::invalid_argument("SMTP timeouts must be at least 1 ms");
    c.mail.delivery.lease_ms = std::max(60'000, 2 * c.mail.smtp.total_timeout_ms);
    c.email_flows.reset_per_ip.refill_per_s = reset_ip_per_h / 3600.0;
    c.email_flows.reset_per_email.refill_per_s = reset_email_per_h / 3600.0;
    c.email_flows.mail_per_user.refill_per_s = mail_user_per_h / 3600.0;
  } catch (const std::exception& e) {
    std::cerr << "gooddeeds serve: " << name_the_variable(e.what(), from_env)
              << "\n(see gooddeeds serve --help)\n";
    exit_code = 2;
    return std::nullopt;
  }
  return c;
}

}  // namespace gd::app
