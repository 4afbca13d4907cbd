// Opening a live socket (replay, ready) and the two post-commit feeds.
#include "live/live_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <unordered_set>

#include "core/ids.hpp"
#include "tasks/task.hpp"

namespace gd::live {
namespace {

constexpr int kRelayBatch = 200;

Frame notification_frame(const notifications::Notification& n) {
  return {boost::json::serialize(boost::json::object{
              {"type", "notification"}, {"notification", notifications::notification_json(n)}}),
          n.id};
}

}  // namespace

LiveService::LiveService(LocalHub& sockets, LiveHub& hub, notifications::NotificationService& notes,
                         tasks::TaskService& tasks, std::chrono::milliseconds poll)
    : sockets_(sockets),
      hub_(hub),
      notes_(notes),
      tasks_(tasks),
      notes_loop_("live notification relay", poll,
                  [this]() -> Task<bool> { co_return co_await relay_notifications(); }),
      tasks_loop_("live task changes", poll,
                  [this]() -> Task<bool> { co_return co_await send_task_changes(); }) {
  changed_->service = this;
}

LiveService::~LiveService() {
  std::lock_guard lock(changed_->mu);
  changed_->service = nullptr;
}

Task<Status> LiveService::open(std::shared_ptr<http::LiveSocket> socket,
                               std::optional<std::string> since) {
  const auto& who = socket->principal();
  const UserId user(who.user_id);
  sockets_.add(socket);  // before the replay is read: frames published meanwhile are held
  std::unordered_set<std::string> replayed;
  bool more = false;
  if (since) {
    auto rows =
        is_uuid(*since) ? co_await notes_.newer_than(user, *since, kMaxReplay + 1) : std::nullopt;
    if (!rows) {
      sockets_.remove(*socket);
      co_return make_error(ErrorCode::kValidationFailed, "since: no such notification");
    }
    more = rows->size() > static_cast<std::size_t>(kMaxReplay);
    if (more) rows->resize(kMaxReplay);
    for (const auto& n : *rows) {
      auto frame = notification_frame(n);
      socket->send(std::move(frame.text));
      replayed.insert(n.id);
    }
  }
  boost::json::object ready{{"type", "ready"}};
  if (more) ready["more"] = true;
  sockets_.ready(*socket, std::move(replayed), boost::json::serialize(ready));
  co_return Ok{};
}

void LiveService::closed(const http::LiveSocket& socket) {
  sockets_.remove(socket);
}

Task<bool> LiveService::relay_notifications() {
  if (!pos_) {
    pos_ = co_await notes_.last_position();
    pos_id_.clear();
  }
  const bool strict = pos_id_.empty();  // at start: nothing at the starting position is new
  const auto rows = co_await notes_.committed_after(*pos_, pos_id_, strict, kRelayBatch);
  // To this process's sockets only: every process follows every row itself, so a
  // notification committed anywhere reaches every process without the hub.
  for (const auto& r : rows) {
    sockets_.publish(r.n.user_id, notification_frame(r.n));
    pos_ = r.pos;
    pos_id_ = r.n.id;
  }
  co_return rows.size() == static_cast<std::size_t>(kRelayBatch);
}

void LiveService::follow(tasks::EventBus& bus) {
  bus.subscribe([changed = changed_](const tasks::TaskEvent& e) {
    std::lock_guard lock(changed->mu);
    auto& ids = changed->ids;
    if (std::find(ids.begin(), ids.end(), e.task_id) == ids.end()) ids.push_back(e.task_id);
    if (changed->service) {
      changed->service->tasks_loop_.wake();
      changed->service->notes_loop_.wake();
    }
  });
}

Task<bool> LiveService::send_task_changes() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(changed_->mu);
    ids.swap(changed_->ids);
  }
  for (auto& id : ids) {
    const auto w = co_await tasks_.watched(TaskId(std::move(id)));
    if (!w) continue;
    for (const auto& user : w->watchers) {
      hub_.publish(user, {boost::json::serialize(boost::json::object{
                              {"type", "task"}, {"task", tasks::task_json(w->task, user)}}),
                          {}});
    }
  }
  std::lock_guard lock(changed_->mu);
  co_return !changed_->ids.empty();
}

void LiveService::start(boost::asio::any_io_executor ex) {
  notes_loop_.start(ex);
  tasks_loop_.start(std::move(ex));
}

void LiveService::stop() {
  notes_loop_.stop();
  tasks_loop_.stop();
}

void add_routes(http::RouteTable& routes) {
  routes.add(
      "GET", "/api/v1/live", {http::Auth::kNone}, [](http::Request req) -> Task<http::Response> {
        auto res = http::fail(req, make_error(ErrorCode::kMalformedRequest,
                                              "This is a WebSocket: send Upgrade: websocket."));
        res.headers.emplace_back("Upgrade", "websocket");
        co_return res;
      });
}

}  // namespace gd::live
