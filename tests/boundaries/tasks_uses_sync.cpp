// Must not compile: sync sits above tasks.
#include "sync/sync_service.hpp"
#include "tasks/task_service.hpp"
