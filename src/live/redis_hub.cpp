// The Redis hub: one channel per Redis database, JSON messages.
#include "live/redis_hub.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/ids.hpp"

namespace gd::live {
namespace {

std::optional<std::string> text_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

RedisHub::RedisHub(LocalHub& local, redis::Client& redis, std::function<void()> on_remote_end)
    : local_(local),
      redis_(redis),
      on_remote_end_(std::move(on_remote_end)),
      node_id_(uuid_v7()),
      channel_("gooddeeds:" + std::to_string(redis.options().address.db) + ":live") {
  redis_.subscribe(channel_, [this](std::string message) { received(message); });
}

void RedisHub::publish(const std::string& user_id, const Frame& frame) {
  local_.publish(user_id, frame);
  redis_.publish(channel_,
                 boost::json::serialize(boost::json::object{{"node", node_id_},
                                                            {"kind", "frame"},
                                                            {"user", user_id},
                                                            {"text", frame.text},
                                                            {"nid", frame.notification_id}}));
}

void RedisHub::end_sessions(const std::string& user_id,
                            const std::optional<std::string>& session_id,
                            const std::optional<std::string>& except_session_id) {
  local_.end_sessions(user_id, session_id, except_session_id);
  boost::json::object m{{"node", node_id_}, {"kind", "end"}, {"user", user_id}};
  if (session_id) m["sid"] = *session_id;
  if (except_session_id) m["except"] = *except_session_id;
  redis_.publish(channel_, boost::json::serialize(m));
}

void RedisHub::received(const std::string& message) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(message, ec);
  if (ec || !v.is_object()) {
    spdlog::warn("live: unreadable message on {}", channel_);
    return;
  }
  const auto& o = v.get_object();
  const auto node = text_field(o, "node");
  const auto kind = text_field(o, "kind");
  const auto user = text_field(o, "user");
  if (!node || !kind || !user || *node == node_id_) return;
  if (*kind == "frame") {
    const auto text = text_field(o, "text");
    if (text) local_.publish(*user, {*text, text_field(o, "nid").value_or("")});
  } else if (*kind == "end") {
    local_.end_sessions(*user, text_field(o, "sid"), text_field(o, "except"));
    if (on_remote_end_) on_remote_end_();
  }
}

}  // namespace gd::live
