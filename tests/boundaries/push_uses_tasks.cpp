// Must not compile: push does not use tasks (notifications reach it through
// push::enqueue_in, called by the notifications feed in the notification's transaction).
#include "tasks/events.hpp"
