// The transition table (seed: Task-Lifecycle state machine; API.md: Help tasks).
#include "tasks/lifecycle.hpp"

#include <cassert>

namespace gd::tasks {
namespace {

const std::vector<Transition>& table() {
  using S = Status;
  static const std::vector<Transition> kTable = {
      {Action::kAccept, Actor::kCreator, {S::kOpen}, S::kAssigned, "task.accepted", false},
      {Action::kStart, Actor::kHelper, {S::kAssigned}, S::kInProgress, "task.started", true},
      {Action::kWithdraw,
       Actor::kHelper,
       {S::kAssigned, S::kInProgress},
       S::kOpen,
       "task.withdrawn",
       true},
      {Action::kComplete,
       Actor::kHelper,
       {S::kInProgress},
       S::kPendingConfirmation,
       "task.completed",
       true},
      {Action::kConfirm,
       Actor::kCreator,
       {S::kPendingConfirmation},
       S::kCompleted,
       "task.confirmed",
       false},
      {Action::kReject,
       Actor::kCreator,
       {S::kPendingConfirmation},
       S::kInProgress,
       "task.rejected",
       false},
      {Action::kCancel, Actor::kCreator, {S::kOpen}, S::kCancelled, "task.cancelled", false},
      // Moderation: an admin takes down a task that is not finished yet.
      {Action::kDeactivate,
       Actor::kAdmin,
       {S::kOpen, S::kAssigned, S::kInProgress, S::kPendingConfirmation},
       S::kCancelled,
       "task.deactivated",
       true},
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

const Transition& transition_for(Action action) {
  for (const auto& t : table())
    if (t.action == action) return t;
  assert(false && "every action has a row");
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
