// Device registration routes. Thin: the body is decoded and checked here, the rules are in
// PushService.
#include "push/push_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"

namespace gd::push {
namespace {

using http::Request;
using http::Response;

struct Deps {
  PushService* service;
  std::string vapid_public_key;
};

boost::json::object device_json(const Device& d) {
  return {{"id", d.id},
          {"platform", platform_name(d.platform)},
          {"createdAt", iso8601_ms(d.created_at_ms)}};
}

// A string member of `o` within `max` characters; records an error under `name` otherwise.
std::string member(json::Reader& in, const boost::json::object& o, std::string_view key,
                   const std::string& name, std::size_t max) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) {
    in.fail(name, "is required");
    return "";
  }
  std::string s(v->as_string());
  if (auto problem = json::check_text(s, {1, max, false})) in.fail(name, *problem);
  return s;
}

void read_subscription(json::Reader& in, const boost::json::value* sub, DeviceInput& out) {
  if (!sub || !sub->is_object()) {
    in.fail("subscription", "is required for webpush: {endpoint, keys: {p256dh, auth}}");
    return;
  }
  const auto& o = sub->as_object();
  for (const auto& [k, v] : o)
    if (k != "endpoint" && k != "keys" && k != "expirationTime")
      in.fail("subscription." + std::string(k), "is not a subscription field");
  out.endpoint = member(in, o, "endpoint", "subscription.endpoint", 2048);
  const auto* keys = o.if_contains("keys");
  if (!keys || !keys->is_object()) {
    in.fail("subscription.keys", "is required: {p256dh, auth}");
    return;
  }
  out.p256dh = member(in, keys->as_object(), "p256dh", "subscription.keys.p256dh", 200);
  out.auth = member(in, keys->as_object(), "auth", "subscription.keys.auth", 100);
}

Result<DeviceInput> parse_device(const std::string& body) {
  auto obj = json::parse_object(body);
  if (!obj) return std::move(obj).error();
  json::Reader in(*obj);
  DeviceInput out;
  const auto platform = in.required_string("platform", {1, 20, false});
  const auto parsed = platform ? parse_platform(*platform) : std::nullopt;
  if (platform && !parsed) in.fail("platform", "must be webpush, fcm or apns");
  for (const auto& [key, value] : *obj)
    if (key != "platform" && key != "token" && key != "subscription")
      in.fail(std::string(key), "is not a device field");
  if (parsed) {
    out.platform = *parsed;
    if (*parsed == Platform::kWebPush) {
      if (in.has("token")) in.fail("token", "is for fcm and apns; webpush sends subscription");
      read_subscription(in, obj->if_contains("subscription"), out);
    } else {
      if (in.has("subscription")) in.fail("subscription", "is for webpush only");
      if (auto token = in.required_string("token", {1, 4096, false})) out.token = *token;
    }
  }
  if (auto st = in.finish(); !st) return st.error();
  return out;
}

Task<Response> register_device(Deps* d, Request req) {
  auto input = parse_device(req.body);
  if (!input) co_return fail(req, input.error());
  auto device = co_await d->service->register_device(req.principal->user_id,
                                                     req.principal->session_id, *input);
  if (!device) co_return fail(req, device.error());
  // The same token or endpoint again is the same device: 200 with it, 201 when new.
  co_return Response::json(device->second ? 201 : 200,
                           boost::json::serialize(device_json(device->first)));
}

Task<Response> list_devices(Deps* d, Request req) {
  boost::json::array items;
  for (const auto& dev : co_await d->service->list(req.principal->user_id))
    items.push_back(device_json(dev));
  co_return Response::json(200, boost::json::serialize(boost::json::object{{"items", items}}));
}

Task<Response> delete_device(Deps* d, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, http::invalid_id());
  if (!co_await d->service->remove(req.principal->user_id, req.param(0)))
    co_return fail(req, make_error(ErrorCode::kNotFound, "No such device."));
  co_return Response::no_content();
}

Task<Response> vapid_key(Deps* d, Request req) {
  if (d->vapid_public_key.empty())
    co_return fail(req, make_error(ErrorCode::kPlatformNotConfigured,
                                   "Web Push is not configured on this server."));
  co_return Response::json(
      200, boost::json::serialize(boost::json::object{{"publicKey", d->vapid_public_key}}));
}

}  // namespace

void add_routes(http::RouteTable& routes, PushService& service, std::string vapid_public_key) {
  using http::Auth;
  auto d = std::make_shared<Deps>(Deps{&service, std::move(vapid_public_key)});
  routes.add("POST", "/api/v1/users/me/devices", {Auth::kRequired, true},
             [d](Request r) { return register_device(d.get(), std::move(r)); });
  routes.add("GET", "/api/v1/users/me/devices", {},
             [d](Request r) { return list_devices(d.get(), std::move(r)); });
  routes.add("DELETE", "/api/v1/users/me/devices/{id}", {},
             [d](Request r) { return delete_device(d.get(), std::move(r)); });
  routes.add("GET", "/api/v1/push/vapid-public-key", {Auth::kNone},
             [d](Request r) { return vapid_key(d.get(), std::move(r)); });
}

Task<void> DevicesPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array arr;
  for (const auto& dev : co_await service_.list(std::move(user_id)))
    arr.push_back(device_json(dev));
  doc["devices"] = std::move(arr);
}

}  // namespace gd::push
