// Task rules. SQL for reads and simple writes is in TaskStore; the transition statements
// live here beside the table they implement, inside one transaction each.
#include "tasks/task_service.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "core/check.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "notifications/notification_service.hpp"
#include "points/ledger.hpp"
#include "tasks/geo.hpp"
#include "tasks/task_fields.hpp"
#include "users/user_store.hpp"

namespace gd::tasks {
namespace {

Error not_found() {
  return make_error(ErrorCode::kTaskNotFound, "No such task.");
}

Error forbidden(std::string detail) {
  return make_error(ErrorCode::kForbidden, std::move(detail));
}

Error wrong_status(Status current, bool needs_open) {
  Error e = make_error(needs_open ? ErrorCode::kTaskNotOpen : ErrorCode::kTaskStatusConflict,
                       "The task is " + std::string(status_name(current)) + ".");
  e.extra_json = "\"currentStatus\":\"" + std::string(status_name(current)) + "\"";
  return e;
}

bool involved(const HelpTask& t, const std::string& user) {
  return user == t.creator_id || (t.helper_id && user == *t.helper_id);
}

std::vector<ApplicationChange> application_changes(const db::Rows& r) {
  std::vector<ApplicationChange> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r.str(i, 0), r.str(i, 1), application_status_from(r.text(i, 2))});
  return out;
}

Task<bool> applied(db::Tx& tx, const std::string& task_id, const std::string& user) {
  auto r =
      co_await tx.exec("SELECT 1 FROM task_applications WHERE task_id = $1 AND applicant_id = $2",
                       db::params(task_id, user));
  co_return !r.empty();
}

}  // namespace

void TaskService::attach_metrics(Metrics& m) {
  created_ = &m.counter("gooddeeds_tasks_created_total", "Help tasks created.");
  completed_ = &m.counter("gooddeeds_tasks_completed_total", "Help tasks confirmed as completed.");
}

Task<Result<HelpTask>> TaskService::create(UserId user_id, NewTask n) {
  std::string& user = user_id.value;
  if (n.project_id && !co_await projects_.owned_live(user_id, ProjectId(*n.project_id)))
    co_return validation_error("projectId", "is not one of your projects");
  HelpTask t;
  t.id = uuid_v7();
  t.creator_id = std::move(user);
  t.project_id = std::move(n.project_id);
  t.title = std::move(n.title);
  t.description = std::move(n.description);
  t.category = std::move(n.category);
  t.location = n.location;
  t.grid = snap_to_grid(n.location);
  t.points_reward = n.points_reward;
  t.image_urls = std::move(n.image_urls);
  t.created_at_ms = t.updated_at_ms = now_ms();
  co_await store_.insert(t);
  if (created_) created_->fetch_add(1, std::memory_order_relaxed);
  co_return t;
}

Task<Result<HelpTask>> TaskService::get(UserId user_id, TaskId task_id) {
  const std::string& user = user_id.value;
  const std::string& id = task_id.value;
  auto t = co_await store_.find(id);
  if (!t) co_return not_found();
  if (t->status != Status::kOpen && !involved(*t, user) && !co_await store_.has_applied(id, user))
    co_return not_found();
  co_return std::move(*t);
}

Task<std::optional<TaskService::Watched>> TaskService::watched(TaskId id) {
  auto t = co_await store_.find(id.value);
  if (!t) co_return std::nullopt;
  Watched w{std::move(*t), co_await store_.applicant_ids(std::move(id.value))};
  w.watchers.push_back(w.task.creator_id);
  if (w.task.helper_id) w.watchers.push_back(*w.task.helper_id);
  std::sort(w.watchers.begin(), w.watchers.end());
  w.watchers.erase(std::unique(w.watchers.begin(), w.watchers.end()), w.watchers.end());
  co_return w;
}

Task<Result<HelpTask>> TaskService::patch(UserId user_id, TaskId task_id, TaskPatch p) {
  auto t = co_await get(user_id, task_id);
  const std::string& user = user_id.value;
  const std::string& id = task_id.value;
  if (!t) co_return std::move(t).error();
  if (t->creator_id != user) co_return forbidden("Only the creator can edit a task.");
  if (t->status != Status::kOpen) co_return wrong_status(t->status, true);
  auto updated = co_await store_.patch_open(id, user, std::move(p));
  if (!updated) {  // changed status in between
    auto now = co_await store_.find(id);
    co_return wrong_status(now ? now->status : Status::kCancelled, true);
  }
  co_return std::move(*updated);
}

Task<Result<Application>> TaskService::apply(UserId user_id, TaskId task_id, std::string message) {
  auto t = co_await get(user_id, task_id);
  const std::string& user = user_id.value;
  const std::string& id = task_id.value;
  if (!t) co_return std::move(t).error();
  if (t->creator_id == user)
    co_return make_error(ErrorCode::kCannotApplyToOwnTask, "You cannot apply to your own task.");
  if (t->status != Status::kOpen) co_return wrong_status(t->status, true);
  Application a{uuid_v7(), id, user, std::move(message), ApplicationStatus::kPending, now_ms()};
  co_return co_await store_.db().transaction<Application>([&](db::Tx& tx)
                                                              -> Task<Result<Application>> {
    if (!co_await TaskStore::insert_application(tx, a))
      co_return make_error(ErrorCode::kAlreadyApplied, "You have already applied to this task.");
    notifications::Data data{.task_id = a.task_id, .application_id = a.id, .task_title = t->title};
    co_await notifications::NotificationService::add_in(
        tx, UserId(t->creator_id), notifications::Type::kApplicationReceived, data);
    co_return a;
  });
}

Task<Result<std::vector<Application>>> TaskService::applications(
    UserId user, TaskId id, int limit, std::optional<std::pair<std::int64_t, std::string>> after) {
  auto t = co_await get(user, id);
  if (!t) co_return std::move(t).error();
  if (t->creator_id != user.value) co_return forbidden("Only the creator sees the applications.");
  co_return co_await store_.applications(id.value, limit, std::move(after));
}

Task<Result<HelpTask>> TaskService::accept(UserId user_id, TaskId task_id,
                                           ApplicationId application) {
  const std::string& user = user_id.value;
  const std::string& id = task_id.value;
  const std::string& application_id = application.value;
  co_return co_await store_.db().transaction<HelpTask>([&](db::Tx& tx) -> Task<Result<HelpTask>> {
    auto t = co_await TaskStore::find(tx, id);
    if (!t ||
        (t->status != Status::kOpen && !involved(*t, user) && !co_await applied(tx, id, user)))
      co_return not_found();
    if (t->creator_id != user) co_return forbidden("Only the creator can accept an application.");
    auto app = co_await TaskStore::application(tx, application_id);
    if (!app || app->task_id != id)
      co_return make_error(ErrorCode::kApplicationNotFound, "No such application for this task.");
    if (t->status != Status::kOpen) co_return wrong_status(t->status, true);
    const auto now = now_ms();
    // The task's conditional write decides races first: a concurrent accept that committed
    // meanwhile makes this find nothing (409 TASK_NOT_OPEN), whatever it did to applications.
    auto r = co_await tx.exec(
        std::string("UPDATE tasks SET status = 'assigned', helper_id = $3, updated_at = $4 "
                    "WHERE id = $1 AND creator_id = $2 AND status = 'open' RETURNING ") +
            kTaskColumnsBare,
        db::params(id, user, app->applicant_id, now));
    if (r.empty()) {
      auto current = co_await TaskStore::find(tx, id);
      co_return wrong_status(current ? current->status : Status::kOpen, true);
    }
    app = co_await TaskStore::application(tx, application_id);  // re-read after the row lock
    if (app->status != ApplicationStatus::kPending)
      co_return make_error(
          ErrorCode::kApplicationNotPending,
          "The application is " + std::string(application_status_name(app->status)) + ".");
    const auto changed = co_await tx.exec(
        "UPDATE task_applications SET status = CASE WHEN id = $2 THEN 'accepted' ELSE 'declined' "
        "END, updated_at = $3 WHERE task_id = $1 AND status = 'pending' RETURNING id, "
        "applicant_id, status",
        db::params(id, application_id, now));
    co_await TaskStore::add_event(tx, id, std::string(transition_for(Action::kAccept).event),
                                  app->applicant_id);
    co_await tell(tx, transition_for(Action::kAccept), *t, application_changes(changed),
                  std::nullopt, std::nullopt);
    auto moved = task_from_row(r, 0);
    check_transition(transition_for(Action::kAccept), moved);
    co_return moved;
  });
}

Task<Result<Moved>> TaskService::act(UserId user, TaskId id, Action action,
                                     std::optional<std::string> reason) {
  auto r = co_await store_.db().transaction<Moved>(
      [&](db::Tx& tx) -> Task<Result<Moved>> { return act_in(tx, user, id, action, reason); });
  if (r && action == Action::kConfirm) {
    if (completed_) completed_->fetch_add(1, std::memory_order_relaxed);
  }
  co_return r;
}

Task<Result<HelpTask>> TaskService::deactivate(UserId admin, TaskId task_id) {
  const std::string& id = task_id.value;
  auto r = co_await store_.db().transaction<HelpTask>([&](db::Tx& tx) -> Task<Result<HelpTask>> {
    const Transition& tr = transition_for(Action::kDeactivate);
    auto t = co_await TaskStore::find(tx, id);
    if (!t) co_return not_found();
    if (!allowed_from(tr, t->status)) co_return wrong_status(t->status, false);
    const auto now = now_ms();
    auto moved = co_await tx.exec(
        std::string("UPDATE tasks SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2 "
                    "RETURNING ") +
            kTaskColumnsBare,
        db::params(id, std::string(status_name(t->status)), std::string(status_name(tr.to)), now));
    if (moved.empty()) {
      auto current = co_await TaskStore::find(tx, id);
      co_return wrong_status(current ? current->status : t->status, false);
    }
    const auto declined = co_await change_applications(tx, tr, *t, now);
    co_await notify(tx, tr, *t, std::nullopt);
    co_await tell(tx, tr, *t, declined, std::nullopt, std::nullopt);
    auto after = task_from_row(moved, 0);
    check_transition(tr, after);
    co_return after;
  });
  if (r) spdlog::info("admin {} deactivated task {}", admin.value, id);
  co_return r;
}

Task<Result<Moved>> TaskService::act_in(db::Tx& tx, const UserId& user_id, const TaskId& task_id,
                                        Action action, const std::optional<std::string>& reason) {
  const std::string& user = user_id.value;
  const std::string& id = task_id.value;
  const Transition& tr = transition_for(action);
  auto t = co_await TaskStore::find(tx, id);
  if (!t || (t->status != Status::kOpen && !involved(*t, user) && !co_await applied(tx, id, user)))
    co_return not_found();
  const bool is_actor =
      tr.actor == Actor::kCreator ? user == t->creator_id : (t->helper_id && user == *t->helper_id);
  if (!is_actor)
    co_return forbidden(tr.actor == Actor::kCreator ? "Only the task's creator can do this."
                                                    : "Only the task's helper can do this.");
  if (!allowed_from(tr, t->status))
    co_return wrong_status(t->status, tr.from.size() == 1 && tr.from[0] == Status::kOpen);
  const auto now = now_ms();
  // The conditional write that makes concurrent transitions have exactly one winner.
  auto r = co_await tx.exec(
      std::string("UPDATE tasks SET status = $3, helper_id = CASE WHEN $4 = 1 THEN NULL ELSE "
                  "helper_id END, completed_at = CASE WHEN $5 = 1 THEN $6 ELSE completed_at END, "
                  "updated_at = $6 WHERE id = $1 AND status = $2 AND "
                  "(CASE WHEN $7 = 1 THEN creator_id ELSE helper_id END) = $8 RETURNING ") +
          kTaskColumnsBare,
      db::params(id, std::string(status_name(t->status)), std::string(status_name(tr.to)),
                 std::int64_t{tr.clears_helper}, std::int64_t{tr.sets_completed_at}, now,
                 std::int64_t{tr.actor == Actor::kCreator}, user));
  if (r.empty()) {
    auto current = co_await TaskStore::find(tx, id);
    co_return wrong_status(current ? current->status : t->status, tr.from[0] == Status::kOpen);
  }
  std::optional<points::RewardOutcome> reward;
  if (!co_await side_effects(tx, *t, tr, reason, reward))
    co_return make_error(ErrorCode::kConflict, "The reward could not be credited.");
  Moved after{task_from_row(r, 0), reward};
  check_transition(tr, after.task);
  co_return after;
}

// What a transition does besides moving the status, as its row says; `t` is the task before
// the move.
Task<bool> TaskService::side_effects(db::Tx& tx, const HelpTask& t, const Transition& tr,
                                     const std::optional<std::string>& reason,
                                     std::optional<points::RewardOutcome>& reward) {
  // The event first: a confirm's credit locks the helper's row, and holds it until the commit.
  co_await notify(tx, tr, t, reason);
  const auto declined = co_await change_applications(tx, tr, t, now_ms());
  if (tr.credits_reward) {
    GD_CHECK(t.helper_id.has_value());
    points::LedgerEntry e;
    e.user_id = *t.helper_id;
    e.amount = t.points_reward;
    e.type = "task_reward";
    e.task_id = t.id;
    e.actor_id = t.creator_id;  // who gave it: the per-pair limit and the hold read it
    reward = co_await ledger_.credit_reward(tx, e, options_.earning);
    if (!reward) co_return false;
    co_await users::UserStore::count_completed_task(tx, *t.helper_id);
  }
  // The helper is told what they were credited (after any cut).
  co_await tell(tx, tr, t, declined, reason,
                reward ? std::optional<std::int64_t>(reward->credited) : std::nullopt);
  co_return true;
}

Task<void> TaskService::tell(db::Tx& tx, const Transition& tr, const HelpTask& t,
                             const std::vector<ApplicationChange>& changed,
                             std::optional<std::string> reason,
                             std::optional<std::int64_t> points) {
  using notifications::NotificationService;
  using notifications::Type;
  for (const auto& c : changed) {
    GD_CHECK(c.status == ApplicationStatus::kAccepted || c.status == ApplicationStatus::kDeclined);
    co_await NotificationService::add_in(
        tx, UserId(c.applicant_id),
        c.status == ApplicationStatus::kAccepted ? Type::kApplicationAccepted
                                                 : Type::kApplicationDeclined,
        {.task_id = t.id, .application_id = c.id, .task_title = t.title});
  }
  if (!tr.notification) co_return;
  std::vector<UserId> to;
  if (tr.told.creator) to.emplace_back(t.creator_id);
  if (tr.told.helper && t.helper_id) to.emplace_back(*t.helper_id);
  if (tr.told.applicants)
    for (const auto& c : changed) to.emplace_back(c.applicant_id);
  co_await NotificationService::add_each_in(
      tx, std::move(to), *tr.notification,
      {.task_id = t.id, .points = points, .reason = std::move(reason), .task_title = t.title});
}

Task<void> TaskService::notify(db::Tx& tx, const Transition& tr, const HelpTask& t,
                               const std::optional<std::string>& reason) {
  std::optional<std::string> payload;
  if (reason) payload = boost::json::serialize(boost::json::object{{"reason", *reason}});
  const std::string event(tr.event);
  if (tr.notify != Notify::kHelper)
    co_await TaskStore::add_event(tx, t.id, event, t.creator_id, payload);
  if (tr.notify != Notify::kCreator && t.helper_id)
    co_await TaskStore::add_event(tx, t.id, event, *t.helper_id, payload);
}

Task<std::vector<ApplicationChange>> TaskService::change_applications(db::Tx& tx,
                                                                      const Transition& tr,
                                                                      const HelpTask& t,
                                                                      std::int64_t now) {
  switch (tr.applications) {
    case ApplicationsChange::kNone:
    case ApplicationsChange::kAcceptOneDeclineRest:  // accept() does it: it knows the one
      break;
    case ApplicationsChange::kReopen:
      GD_CHECK(t.helper_id.has_value());
      co_await tx.exec(
          "UPDATE task_applications SET status = CASE WHEN applicant_id = $2 THEN 'withdrawn' "
          "ELSE 'pending' END, updated_at = $3 WHERE task_id = $1 AND (applicant_id = $2 OR "
          "status = 'declined')",
          db::params(t.id, *t.helper_id, now));
      break;
    case ApplicationsChange::kDeclinePending:
      co_return application_changes(co_await tx.exec(
          "UPDATE task_applications SET status = 'declined', updated_at = $2 WHERE task_id = $1 "
          "AND status = 'pending' RETURNING id, applicant_id, status",
          db::params(t.id, now)));
  }
  co_return std::vector<ApplicationChange>{};
}

void TaskService::check_transition(const Transition& tr, const HelpTask& after) {
  GD_CHECK(after.status == tr.to);
  GD_CHECK(
      legal_state(after.status, after.helper_id.has_value(), after.completed_at_ms.has_value()));
  GD_CHECK(!tr.clears_helper || !after.helper_id);
  GD_CHECK(!tr.sets_helper || after.helper_id);
}

// ---- offline sync ------------------------------------------------------------------------

Task<gd::Status> TaskService::create_in(db::Tx& tx, const UserId& user, TaskRecord& rec) {
  if (rec.creator_id && *rec.creator_id != user.value)
    co_return forbidden("A task's creator is the person who pushes it.");
  if (rec.helper_id && *rec.helper_id)
    co_return forbidden("A new task has no helper: the creator accepts one.");
  if (rec.status && *rec.status != status_name(Status::kOpen))
    co_return wrong_status(Status::kOpen, true);  // a new task starts open
  if (auto checked = check_task_fields(rec.fields, true, options_.max_reward); !checked)
    co_return checked;
  std::optional<std::string> project;
  if (rec.project_id) project = *rec.project_id;
  if (project && !co_await projects_.owned_live(tx, user, ProjectId(*project)))
    co_return validation_error("project_id", "is not one of your projects");
  HelpTask t;
  t.id = rec.id.value;
  t.creator_id = user.value;
  t.project_id = std::move(project);
  t.title = std::move(*rec.fields.title);
  t.description = rec.fields.description.value_or("");
  t.category = std::move(*rec.fields.category);
  t.location = *rec.fields.location;
  t.grid = snap_to_grid(t.location);
  t.points_reward = *rec.fields.points_reward;
  t.image_urls = rec.fields.image_urls.value_or(std::vector<std::string>{});
  t.created_at_ms = t.updated_at_ms = now_ms();
  co_await TaskStore::insert(tx, t);
  if (created_) created_->fetch_add(1, std::memory_order_relaxed);
  co_return Ok{};
}

Task<gd::Status> TaskService::put_in(db::Tx& tx, UserId user, TaskRecord rec) {
  const auto current = co_await TaskStore::find(tx, rec.id.value);
  if (!current) co_return co_await create_in(tx, user, rec);
  const HelpTask& t = *current;
  const bool creator = t.creator_id == user.value;
  if ((!creator && t.helper_id != user.value) || co_await TaskStore::is_deleted(tx, t.id))
    co_return not_found();
  if (rec.creator_id && *rec.creator_id != t.creator_id)
    co_return forbidden("A task's creator cannot change.");
  // Field edits: the creator's, while the task is open (only what differs counts).
  TaskPatch edits = changed_fields(rec.fields, t);
  std::optional<std::optional<std::string>> project;
  if (rec.project_id && *rec.project_id != t.project_id) project = *rec.project_id;
  if (!edits.empty() || project) {
    if (!creator) co_return forbidden("Only the creator can edit a task.");
    if (t.status != Status::kOpen) co_return wrong_status(t.status, true);
    if (auto checked = check_task_fields(edits, false, options_.max_reward); !checked)
      co_return checked;
    if (!edits.empty() && !co_await TaskStore::patch_open(tx, t.id, user.value, edits))
      co_return wrong_status(t.status, true);
    if (project) {
      if (*project && !co_await projects_.owned_live(tx, user, ProjectId(**project)))
        co_return validation_error("project_id", "is not one of your projects");
      co_await TaskStore::set_project(tx, t.id, *project, now_ms());
    }
  }
  // A status move is the lifecycle action that makes it.
  std::optional<std::string> helper = t.helper_id;
  if (rec.status && *rec.status != status_name(t.status)) {
    const auto target = parse_status(*rec.status);
    if (!target) co_return validation_error("status", "is not a task status");
    const auto action =
        action_for_move(t.status, *target, creator ? Actor::kCreator : Actor::kHelper);
    if (!action) co_return wrong_status(t.status, false);
    auto moved = co_await act_in(tx, user, TaskId(t.id), *action, std::nullopt);
    if (!moved) co_return std::move(moved).error();
    helper = moved->task.helper_id;
  }
  // The helper is the lifecycle's to set: a record may only say what it says.
  if (rec.helper_id && *rec.helper_id != helper)
    co_return forbidden("A task's helper is set by accepting an application.");
  co_return Ok{};
}

Task<gd::Status> TaskService::remove_in(db::Tx& tx, UserId user, TaskId id) {
  const auto t = co_await TaskStore::find(tx, id.value);
  if (!t) co_return Ok{};
  if (t->creator_id != user.value) co_return forbidden("Only the creator can delete a task.");
  if (t->status == Status::kOpen) {
    auto cancelled = co_await act_in(tx, user, id, Action::kCancel, std::nullopt);
    if (!cancelled) co_return std::move(cancelled).error();
  } else if (t->status != Status::kCancelled && t->status != Status::kCompleted) {
    co_return wrong_status(t->status, false);
  }
  co_await TaskStore::mark_deleted(tx, id.value, now_ms());
  co_return Ok{};
}

Task<void> TaskService::detach_project_in(db::Tx& tx, ProjectId project) {
  co_await TaskStore::detach_project(tx, project.value, now_ms());
}

}  // namespace gd::tasks
