// The task lifecycle: the one table of who may move a task from which status to which.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

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

struct Transition {
  Action action;
  Actor actor;
  std::vector<Status> from;
  Status to;
  std::string_view event;  // outbox event type
  bool notify_creator;     // else the helper is notified (an admin's move notifies both)
};

const Transition& transition_for(Action action);
std::optional<Action> parse_action(std::string_view path_segment);  // "start", "confirm", ...
bool allowed_from(const Transition& t, Status s);
// The action that moves a task from `from` to `to` when `actor` does it (offline sync pushes
// statuses, not actions); accept is never one (it needs an application).
std::optional<Action> action_for_move(Status from, Status to, Actor actor);

}  // namespace gd::tasks
