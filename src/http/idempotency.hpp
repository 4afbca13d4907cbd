// Idempotency-Key handling for money-like POSTs, as a decorator around a route handler:
// a repeat with the same key and request replays the stored first response, the same key
// with another request is 422, the same key while the first is still running is 409.
#pragma once
#include "core/idempotency.hpp"
#include "http/types.hpp"

namespace gd::http {

Handler with_idempotency(IdempotencyStore* store, Handler inner);

}  // namespace gd::http
