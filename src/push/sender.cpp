// Platform names and the stored message format.
#include "push/sender.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace gd::push {

std::string_view platform_name(Platform p) {
  switch (p) {
    case Platform::kWebPush:
      return "webpush";
    case Platform::kFcm:
      return "fcm";
    case Platform::kApns:
      return "apns";
  }
  return "webpush";
}

std::optional<Platform> parse_platform(std::string_view name) {
  for (auto p : {Platform::kWebPush, Platform::kFcm, Platform::kApns})
    if (platform_name(p) == name) return p;
  return std::nullopt;
}

std::string_view outcome_name(SendResult::Kind k) {
  switch (k) {
    case SendResult::Kind::kDelivered:
      return "delivered";
    case SendResult::Kind::kRetry:
      return "retry";
    case SendResult::Kind::kGone:
      return "gone";
    case SendResult::Kind::kFailed:
      return "failed";
  }
  return "failed";
}

std::string to_json(const PushMessage& m) {
  return boost::json::serialize(boost::json::object{
      {"type", m.type}, {"title", m.title}, {"body", m.body}, {"data", m.data}});
}

PushMessage message_from_json(std::string_view json) {
  const auto v = boost::json::parse(json);
  const auto& o = v.as_object();
  const auto str = [&o](std::string_view k) {
    const auto* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  PushMessage m{str("type"), str("title"), str("body"), {}};
  if (const auto* d = o.if_contains("data"); d && d->is_object()) m.data = d->as_object();
  return m;
}

}  // namespace gd::push
