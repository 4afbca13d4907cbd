// Must not compile: push does not use tasks (task events reach it through
// PushService::enqueue_in, called from the composition root).
#include "tasks/events.hpp"
