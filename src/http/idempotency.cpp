// The Idempotency-Key decorator. Requests without the header pass straight through.
#include "http/idempotency.hpp"

#include <sodium.h>

namespace gd::http {
namespace {

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 255) return false;
  for (char c : k)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string request_hash(const Request& req) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const std::string head = req.method + " " + req.path + "\n";
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(head.data()), head.size());
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(req.body.data()),
                            req.body.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

Task<Response> run(IdempotencyStore* store, const Handler* inner, Request req) {
  const auto header = req.header("idempotency-key");
  if (!header) co_return co_await (*inner)(std::move(req));
  if (!valid_key(*header))
    co_return Response::problem(
        validation_error("Idempotency-Key", "must be 1 to 255 visible ASCII characters"),
        req.request_id);
  const std::string key(*header);
  const std::string user = req.principal->user_id;
  auto begun = co_await store->begin(user, key, request_hash(req));
  switch (begun.outcome) {
    case IdempotencyStore::Outcome::kMismatch:
      co_return Response::problem(make_error(ErrorCode::kIdempotencyKeyReused,
                                             "This Idempotency-Key was used with another request."),
                                  req.request_id);
    case IdempotencyStore::Outcome::kInProgress:
      co_return Response::problem(
          make_error(ErrorCode::kIdempotencyKeyInUse,
                     "A request with this Idempotency-Key is still running."),
          req.request_id);
    case IdempotencyStore::Outcome::kReplay: {
      Response res;
      res.status = begun.stored.status;
      res.content_type = begun.stored.content_type;
      res.body = std::move(begun.stored.body);
      res.headers.emplace_back("Idempotent-Replayed", "true");
      co_return res;
    }
    case IdempotencyStore::Outcome::kStarted:
      break;
  }
  Response res = co_await (*inner)(std::move(req));
  if (res.status >= 500) {
    co_await store->abandon(user, key);  // a failure is not an answer to replay
  } else {
    co_await store->finish(user, key, {res.status, res.content_type, res.body});
  }
  co_return res;
}

}  // namespace

Handler with_idempotency(IdempotencyStore* store, Handler inner) {
  auto shared = std::make_shared<Handler>(std::move(inner));
  return [store, shared](Request r) { return run(store, shared.get(), std::move(r)); };
}

}  // namespace gd::http
