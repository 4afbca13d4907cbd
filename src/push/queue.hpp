// The seam through which the notifications feed reaches devices: a light header (no adapters,
// no curl) so that the module writing notifications can queue their pushes.
#pragma once
#include <cstddef>
#include <string>

#include "core/async.hpp"
#include "push/sender.hpp"
#include "store/db.hpp"

namespace gd::push {

// Queues `message` for every device of `user_id`, inside the caller's transaction: it is sent
// (by the DeliveryWorker) only if that commits. Returns how many deliveries were queued.
Task<std::size_t> enqueue_in(db::Tx& tx, std::string user_id, PushMessage message);

}  // namespace gd::push
