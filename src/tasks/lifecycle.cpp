// The transition table (seed: Task-Lifecycle state machine; API.md: Help tasks).
#include "tasks/lifecycle.hpp"

#include "core/check.hpp"

namespace gd::tasks {
namespace {

const std::vector<Transition>& table() {
  using S = Status;
  using A = ApplicationsChange;
  using N = notifications::Type;
  static const std::vector<Transition> kTable = {
      {.action = Action::kAccept,
       .actor = Actor::kCreator,
       .from = {S::kOpen},
       .to = S::kAssigned,
       .event = "task.accepted",
       .notify = Notify::kHelper,
       .sets_helper = true,
       .applications = A::kAcceptOneDeclineRest},  // its applicants are told, nobody else
      {.action = Action::kStart,
       .actor = Actor::kHelper,
       .from = {S::kAssigned},
       .to = S::kInProgress,
       .event = "task.started",
       .notify = Notify::kCreator,
       .notification = N::kTaskStarted,
       .told = {.creator = true}},
      {.action = Action::kWithdraw,
       .actor = Actor::kHelper,
       .from = {S::kAssigned, S::kInProgress},
       .to = S::kOpen,
       .event = "task.withdrawn",
       .notify = Notify::kCreator,
       .clears_helper = true,
       .applications = A::kReopen,
       .notification = N::kTaskWithdrawn,
       .told = {.creator = true}},
      {.action = Action::kComplete,
       .actor = Actor::kHelper,
       .from = {S::kInProgress},
       .to = S::kPendingConfirmation,
       .event = "task.completed",
       .notify = Notify::kCreator,
       .notification = N::kTaskCompleted,
       .told = {.creator = true}},
      {.action = Action::kConfirm,
       .actor = Actor::kCreator,
       .from = {S::kPendingConfirmation},
       .to = S::kCompleted,
       .event = "task.confirmed",
       .notify = Notify::kHelper,
       .sets_completed_at = true,
       .credits_reward = true,
       .notification = N::kTaskConfirmed,  // data.points: what was credited
       .told = {.helper = true}},
      {.action = Action::kReject,
       .actor = Actor::kCreator,
       .from = {S::kPendingConfirmation},
       .to = S::kInProgress,
       .event = "task.rejected",
       .notify = Notify::kHelper,
       .notification = N::kTaskRejected,  // data.reason: the creator's
       .told = {.helper = true}},
      {.action = Action::kCancel,
       .actor = Actor::kCreator,
       .from = {S::kOpen},
       .to = S::kCancelled,
       .event = "task.cancelled",
       .notify = Notify::kHelper,  // an open task has no helper: nobody is told
       .applications = A::kDeclinePending,
       .notification = N::kTaskCancelled,
       .told = {.helper = true, .applicants = true}},
      // Moderation: an admin takes down a task that is not finished yet.
      {.action = Action::kDeactivate,
       .actor = Actor::kAdmin,
       .from = {S::kOpen, S::kAssigned, S::kInProgress, S::kPendingConfirmation},
       .to = S::kCancelled,
       .event = "task.deactivated",
       .notify = Notify::kBoth,
       .applications = A::kDeclinePending,
       // The creator did not do it, so they are told too.
       .notification = N::kTaskCancelled,
       .told = {.creator = true, .helper = true, .applicants = true}},
  };
  return kTable;
}

}  // namespace

std::optional<Action> action_for_move(Status from, Status to, Actor actor) {
  for (const auto& t : table())
    if (t.action != Action::kAccept && t.actor == actor && t.to == to && allowed_from(t, from))
      return t.action;
  return std::nullopt;
}

const std::vector<Transition>& transitions() {
  return table();
}

bool legal_state(Status status, bool has_helper, bool has_completed_at) {
  switch (status) {
    case Status::kOpen:
      return !has_helper && !has_completed_at;
    case Status::kAssigned:
    case Status::kInProgress:
    case Status::kPendingConfirmation:
      return has_helper && !has_completed_at;
    case Status::kCompleted:
      return has_helper && has_completed_at;
    case Status::kCancelled:
      return !has_completed_at;
  }
  return false;
}

const Transition& transition_for(Action action) {
  for (const auto& t : table())
    if (t.action == action) return t;
  GD_CHECK(false && "every action has a row");
  return table().front();
}

std::optional<Action> parse_action(std::string_view s) {
  if (s == "start") return Action::kStart;
  if (s == "withdraw") return Action::kWithdraw;
  if (s == "complete") return Action::kComplete;
  if (s == "confirm") return Action::kConfirm;
  if (s == "reject") return Action::kReject;
  if (s == "cancel") return Action::kCancel;
  return std::nullopt;
}

bool allowed_from(const Transition& t, Status s) {
  for (auto f : t.from)
    if (f == s) return true;
  return false;
}

}  // namespace gd::tasks
