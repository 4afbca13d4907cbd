// The task lifecycle: the one table of who may move a task from which status to which.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "notifications/notification.hpp"
#include "tasks/task.hpp"

namespace gd::tasks {

enum class Action {
  kAccept,
  kStart,
  kWithdraw,
  kComplete,
  kConfirm,
  kReject,
  kCancel,
  kDeactivate
};
enum class Actor { kCreator, kHelper, kAdmin };

// Who hears of a transition (an outbox event for each).
enum class Notify { kCreator, kHelper, kBoth };

// Who finds a transition's notification in their feed (docs/notifications.md). `applicants`
// are those whose pending applications the transition declines. Apart from this, every
// application a transition accepts or declines tells its applicant (application_accepted,
// application_declined).
struct Told {
  bool creator = false;
  bool helper = false;  // the helper the task had before the transition
  bool applicants = false;
};

// What a transition does to the task's applications.
enum class ApplicationsChange {
  kNone,
  kAcceptOneDeclineRest,  // the chosen application accepted, the other pending ones declined
  kReopen,                // the helper's application withdrawn, declined ones pending again
  kDeclinePending,        // every pending application declined
};

// One row says everything a transition does; TaskService's SQL follows the row.
struct Transition {
  Action action;
  Actor actor;
  std::vector<Status> from;
  Status to;
  std::string_view event;  // outbox event type
  Notify notify;
  bool sets_helper = false;        // the accepted applicant becomes the helper
  bool clears_helper = false;      // the helper leaves the task
  bool sets_completed_at = false;  // the task is finished now
  bool credits_reward = false;     // the reward goes to the helper (ledger + tasksCompleted)
  ApplicationsChange applications = ApplicationsChange::kNone;
  std::optional<notifications::Type> notification = {};  // the feed entry of `told`
  Told told = {};
};

// Every row of the table, in a stable order (for tests and docs).
const std::vector<Transition>& transitions();
const Transition& transition_for(Action action);
std::optional<Action> parse_action(std::string_view path_segment);  // "start", "confirm", ...
bool allowed_from(const Transition& t, Status s);
// The action that moves a task from `from` to `to` when `actor` does it (offline sync pushes
// statuses, not actions); accept is never one (it needs an application).
std::optional<Action> action_for_move(Status from, Status to, Actor actor);

// A task's state is legal: a helper exactly while someone is or was doing it (assigned,
// in progress, pending confirmation, completed), a completion time exactly when completed.
// TaskService checks it after every transition, in every build.
bool legal_state(Status status, bool has_helper, bool has_completed_at);

}  // namespace gd::tasks
