// The rules of help tasks: validation results in, visibility, the lifecycle (one conditional
// write per transition, in a transaction with its side effects), the reward on confirm.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "points/ledger.hpp"
#include "projects/project_service.hpp"
#include "tasks/lifecycle.hpp"
#include "tasks/task_store.hpp"

namespace gd::tasks {

struct TaskOptions {
  std::int64_t max_reward = 500;  // cap on pointsReward per task
  points::EarnOptions earning;    // caps on rewards credited to one helper (day, creator)
};

// A task after a lifecycle action, and on confirm what became of the reward.
struct Moved {
  HelpTask task;
  std::optional<points::RewardOutcome> reward;
};

struct NewTask {
  std::string title;
  std::string description;
  std::string category;
  GeoPoint location;
  std::int64_t points_reward = 0;
  std::vector<std::string> image_urls;
  std::optional<std::string> project_id;
};

// A task as an offline client pushes it (a raw WatermelonDB record): the fields it carries
// (absent ones are left as they are), and the columns only the server sets, which a client
// may send back unchanged but never change.
struct TaskRecord {
  TaskId id;
  TaskPatch fields;
  std::optional<std::optional<std::string>> project_id;  // present null: outside any project
  std::optional<std::string> status;                     // a move is the lifecycle action
  std::optional<std::string> creator_id;
  std::optional<std::optional<std::string>> helper_id;
};

// An application a transition moved (to accepted or declined), whose applicant is told.
struct ApplicationChange {
  std::string id;
  std::string applicant_id;
  ApplicationStatus status;
};

class TaskService {
 public:
  TaskService(TaskStore& store, points::Ledger& ledger, projects::ProjectService& projects,
              TaskOptions options)
      : store_(store), ledger_(ledger), projects_(projects), options_(options) {}
  void attach_metrics(Metrics& m);
  const TaskOptions& options() const { return options_; }

  Task<Result<HelpTask>> create(UserId user, NewTask n);
  Task<Result<HelpTask>> get(UserId user, TaskId id);
  Task<Result<HelpTask>> patch(UserId user, TaskId id, TaskPatch p);
  // The task and everyone it concerns (creator, helper, applicants), each of whom may read it:
  // the audience of a live "task" frame. nullopt when the task is gone.
  struct Watched {
    HelpTask task;
    std::vector<std::string> watchers;
  };
  Task<std::optional<Watched>> watched(TaskId id);
  Task<std::vector<Found>> search(SearchQuery q) { return store_.search(std::move(q)); }
  Task<std::vector<HelpTask>> mine(UserId user, std::string role, std::optional<Status> status,
                                   int limit,
                                   std::optional<std::pair<std::int64_t, std::string>> after) {
    std::optional<std::string> status_text;
    if (status) status_text = std::string(status_name(*status));
    return store_.list_for_user(std::move(user.value), std::move(role), std::move(status_text),
                                limit, std::move(after));
  }

  Task<Result<Application>> apply(UserId user, TaskId id, std::string message);
  Task<Result<std::vector<Application>>> applications(
      UserId user, TaskId id, int limit, std::optional<std::pair<std::int64_t, std::string>> after);
  Task<Result<HelpTask>> accept(UserId user, TaskId id, ApplicationId application);
  // start, withdraw, complete, confirm, reject, cancel
  Task<Result<Moved>> act(UserId user, TaskId id, Action action, std::optional<std::string> reason);
  // An admin takes a task down (-> cancelled); creator and helper are notified.
  Task<Result<HelpTask>> deactivate(UserId admin, TaskId id);

  // One lifecycle action inside the caller's transaction (offline sync's push applies many in
  // one); the caller counts nothing.
  Task<Result<Moved>> act_in(db::Tx& tx, const UserId& user_id, const TaskId& task_id,
                             Action action, const std::optional<std::string>& reason);

  // Offline sync's push, inside its transaction. put_in creates the task as POST /tasks does
  // or applies the record as PATCH /tasks/{id} (the creator, while open) and the lifecycle
  // actions (whoever the table allows) do; a record that breaks a rule changes nothing the
  // caller keeps (it rolls back to a savepoint) and gets the reason.
  Task<gd::Status> put_in(db::Tx& tx, UserId user, TaskRecord record);
  // Deletes the creator's task: an open one is cancelled first, a finished one is marked
  // deleted, one under way cannot be. Deleting a task that does not exist is fine.
  Task<gd::Status> remove_in(db::Tx& tx, UserId user, TaskId id);
  // A deleted project's tasks live on outside it.
  Task<void> detach_project_in(db::Tx& tx, ProjectId project);

 private:
  Task<gd::Status> create_in(db::Tx& tx, const UserId& user, TaskRecord& record);
  // False when the reward could not be credited; `reward` says what became of it.
  Task<bool> side_effects(db::Tx& tx, const HelpTask& t, const Transition& tr,
                          const std::optional<std::string>& reason,
                          std::optional<points::RewardOutcome>& reward);
  Task<void> notify(db::Tx& tx, const Transition& tr, const HelpTask& t,
                    const std::optional<std::string>& reason);
  // The applications the row changes; those it declines are returned.
  Task<std::vector<ApplicationChange>> change_applications(db::Tx& tx, const Transition& tr,
                                                           const HelpTask& t, std::int64_t now);
  // The notification feed, as the row's `told` says: `t` is the task before the move,
  // `changed` the applications it accepted or declined (their applicants are told of that).
  static Task<void> tell(db::Tx& tx, const Transition& tr, const HelpTask& t,
                         const std::vector<ApplicationChange>& changed,
                         std::optional<std::string> reason, std::optional<std::int64_t> points);
  static void check_transition(const Transition& tr, const HelpTask& after);

  TaskStore& store_;
  points::Ledger& ledger_;
  projects::ProjectService& projects_;
  TaskOptions options_;
  std::atomic<std::uint64_t>* created_ = nullptr;
  std::atomic<std::uint64_t>* completed_ = nullptr;
};

}  // namespace gd::tasks
