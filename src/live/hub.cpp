// The in-process hub.
#include "live/hub.hpp"

namespace gd::live {

namespace {
// Frames held for a socket whose replay is still being read; beyond, it is closed as a slow
// consumer (the replay itself is bounded, so this is a runaway, not a normal case).
constexpr std::size_t kMaxHeld = 1000;
}  // namespace

void LocalHub::deliver(Subscriber& s, const Frame& frame) {
  if (!frame.notification_id.empty() && s.replayed.contains(frame.notification_id)) return;
  s.socket->send(frame.text);
}

void LocalHub::publish(const std::string& user_id, const Frame& frame) {
  std::lock_guard lock(mu_);
  const auto [from, to] = by_user_.equal_range(user_id);
  for (auto it = from; it != to; ++it) {
    auto& s = it->second;
    if (!s.replaying) {
      deliver(s, frame);
    } else if (s.held.size() < kMaxHeld) {
      s.held.push_back(frame);
    } else {
      s.socket->close(http::live_close::kSlowConsumer, "too many frames during the replay");
    }
  }
}

void LocalHub::end_sessions(const std::string& user_id,
                            const std::optional<std::string>& session_id,
                            const std::optional<std::string>& except_session_id) {
  std::lock_guard lock(mu_);
  const auto [from, to] = by_user_.equal_range(user_id);
  for (auto it = from; it != to; ++it) {
    const auto& sid = it->second.socket->principal().session_id;
    if (session_id ? sid == *session_id : !(except_session_id && sid == *except_session_id))
      it->second.socket->close(http::live_close::kUnauthorized, "session ended");
  }
}

void LocalHub::add(std::shared_ptr<http::LiveSocket> socket) {
  std::lock_guard lock(mu_);
  const auto user = socket->principal().user_id;
  by_user_.emplace(user, Subscriber{std::move(socket), true, {}, {}});
}

LocalHub::Subscriber* LocalHub::find(const http::LiveSocket& socket) {
  const auto [from, to] = by_user_.equal_range(socket.principal().user_id);
  for (auto it = from; it != to; ++it)
    if (it->second.socket.get() == &socket) return &it->second;
  return nullptr;
}

void LocalHub::ready(const http::LiveSocket& socket, std::unordered_set<std::string> replayed,
                     std::string ready_frame) {
  std::lock_guard lock(mu_);
  auto* s = find(socket);
  if (!s) return;
  s->replayed = std::move(replayed);
  s->socket->send(std::move(ready_frame));
  for (const auto& f : s->held) deliver(*s, f);
  s->held.clear();
  s->held.shrink_to_fit();
  s->replaying = false;
}

void LocalHub::remove(const http::LiveSocket& socket) {
  std::lock_guard lock(mu_);
  const auto [from, to] = by_user_.equal_range(socket.principal().user_id);
  for (auto it = from; it != to; ++it) {
    if (it->second.socket.get() == &socket) {
      by_user_.erase(it);
      return;
    }
  }
}

void LocalHub::close_all(int code, const std::string& reason) {
  std::lock_guard lock(mu_);
  for (auto& [user, s] : by_user_) s.socket->close(code, reason);
}

std::size_t LocalHub::size() const {
  std::lock_guard lock(mu_);
  return by_user_.size();
}

}  // namespace gd::live
