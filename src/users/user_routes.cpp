// Profile routes. Thin: validation here, SQL in UserStore, other modules via AccountPart.
#include "users/user_routes.hpp"

#include <boost/json/serialize.hpp>
#include <memory>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "http/log.hpp"

namespace gd::users {
namespace {

using http::invalid_id;
using http::Request;
using http::Response;

struct Deps {
  UserStore* store;
  std::vector<AccountPart*> parts;
  EmailChange email_change;
};

Response gone(const Request& req) {
  // The token is valid but its account was erased concurrently.
  return fail(req, make_error(ErrorCode::kUnauthenticated, "The account no longer exists."));
}

Task<Response> get_me(Deps* d, Request req) {
  auto user = co_await d->store->find_by_id(req.principal->user_id);
  if (!user) co_return gone(req);
  co_return Response::json(200, boost::json::serialize(own_profile_json(*user)));
}

}  // namespace

Result<ProfileUpdate> parse_update(const std::string& body) {
  auto obj = json::parse_object(body);
  if (!obj) return std::move(obj).error();
  json::Reader in(*obj);
  ProfileUpdate up;
  if (in.is_null("name"))
    in.fail("name", "cannot be null");
  else
    up.name = in.optional_string("name", {1, 100, true});
  if (in.is_null("bio")) {
    up.bio = std::optional<std::string>{};
  } else if (auto bio = in.optional_string("bio", {0, 1000, true, TextKind::kMultiline})) {
    up.bio = std::optional<std::string>{*bio};
  }
  if (in.is_null("avatarUrl")) {
    up.avatar_url = std::optional<std::string>{};
  } else if (auto url = in.optional_string("avatarUrl", {1, 2048, true})) {
    if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0 &&
        url->rfind("/media/", 0) != 0)
      in.fail("avatarUrl", "must be an http(s) URL");
    else
      up.avatar_url = std::optional<std::string>{*url};
  }
  up.location = in.optional_point("location");
  if (in.is_null("locale")) {
    in.fail("locale", "must be de or en");
  } else if (auto locale = in.optional_string("locale", {1, 8, true})) {
    if (is_locale(*locale))
      up.locale = std::move(*locale);
    else
      in.fail("locale", "must be de or en");
  }
  for (const auto& [key, value] : *obj) {
    if (key != "name" && key != "bio" && key != "avatarUrl" && key != "location" && key != "locale")
      in.fail(std::string(key), "cannot be changed here");
  }
  if (auto st = in.finish(); !st) return st.error();
  return up;
}

namespace {

Task<Response> change_email(Deps* d, Request req, boost::json::object body) {
  auto in = parse_email_change(body);
  if (!in) co_return fail(req, in.error());
  auto r = co_await d->email_change(*req.principal, std::move(*in));
  if (!r) co_return fail(req, r.error());
  co_return Response::json(202, R"({"status":"accepted"})");
}

Task<Response> patch_me(Deps* d, Request req) {
  if (d->email_change) {
    auto obj = json::parse_object(req.body);
    if (obj && (obj->contains("email") || obj->contains("currentPassword")))
      co_return co_await change_email(d, std::move(req), std::move(*obj));
  }
  auto up = parse_update(req.body);
  if (!up) co_return fail(req, up.error());
  auto user = co_await d->store->update_profile(req.principal->user_id, std::move(up.value()));
  if (!user) co_return gone(req);
  co_return Response::json(200, boost::json::serialize(own_profile_json(*user)));
}

Task<Response> get_user(Deps* d, Request req) {
  const auto& id = req.param(0);
  if (!is_uuid(id)) co_return fail(req, http::invalid_id());
  auto user = co_await d->store->find_by_id(id);
  if (!user) co_return fail(req, make_error(ErrorCode::kUserNotFound, "No such user."));
  co_return Response::json(200, boost::json::serialize(public_profile_json(*user)));
}

Task<Response> export_me(Deps* d, Request req) {
  auto user = co_await d->store->find_by_id(req.principal->user_id);
  if (!user) co_return gone(req);
  boost::json::object doc{{"exportedAt", iso8601_ms(now_ms())},
                          {"profile", own_profile_json(*user)}};
  doc["profile"].as_object()["updatedAt"] = iso8601_ms(user->updated_at_ms);
  doc["profile"].as_object()["tasksCompleted"] = user->tasks_completed;
  for (auto* part : d->parts) co_await part->export_into(user->id, doc);
  auto res = Response::json(200, boost::json::serialize(doc));
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"gooddeeds-export.json\"");
  co_return res;
}

Task<Response> delete_me(Deps* d, Request req) {
  const auto id = req.principal->user_id;
  if (!co_await d->store->erase(id)) co_return gone(req);
  for (auto* part : d->parts) co_await part->erase(id);
  co_return Response::no_content();
}

struct AdminDeps {
  UserStore* store;
  EndSessions end_sessions;
};

Task<Response> admin_get(AdminDeps* d, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, http::invalid_id());
  auto user = co_await d->store->find_by_id(req.param(0));
  if (!user) co_return fail(req, make_error(ErrorCode::kUserNotFound, "No such user."));
  co_return Response::json(200, boost::json::serialize(admin_view_json(*user)));
}

Task<Response> admin_patch(AdminDeps* d, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, http::invalid_id());
  auto obj = json::parse_object(req.body);
  if (!obj) co_return fail(req, obj.error());
  auto active = read_admin_patch(*obj);
  if (!active) co_return fail(req, active.error());
  if (!*active && req.param(0) == req.principal->user_id)
    co_return fail(
        req, make_error(ErrorCode::kForbidden, "Admins cannot deactivate their own account."));
  auto user = co_await d->store->set_active(req.param(0), *active);
  if (!user) co_return fail(req, make_error(ErrorCode::kUserNotFound, "No such user."));
  if (!*active) co_await d->end_sessions(user->id);
  http::audit(req, *active ? "user.activate" : "user.deactivate", user->id);
  co_return Response::json(200, boost::json::serialize(admin_view_json(*user)));
}

}  // namespace

Result<EmailChangeRequest> parse_email_change(const boost::json::object& o) {
  json::Reader in(o);
  auto email = in.required_string("email", {3, 254, true});
  auto current = in.required_string("currentPassword", {0, 4096, false, TextKind::kOpaque});
  for (const auto& [key, value] : o)
    if (key != "email" && key != "currentPassword")
      in.fail(std::string(key), "cannot be changed together with the email");
  if (auto st = in.finish(); !st) return std::move(st).error();
  return EmailChangeRequest{std::move(*email), std::move(*current)};
}

Result<bool> read_admin_patch(const boost::json::object& o) {
  json::Reader in(o);
  auto active = in.optional_bool("isActive");
  if (!in.has("isActive")) in.fail("isActive", "is required");
  for (const auto& [key, value] : o)
    if (key != "isActive") in.fail(std::string(key), "cannot be changed here");
  if (auto st = in.finish(); !st) return std::move(st).error();
  return *active;
}

void add_admin_routes(http::RouteTable& routes, UserStore& store, EndSessions end_sessions) {
  auto d = std::make_shared<AdminDeps>(AdminDeps{&store, std::move(end_sessions)});
  routes.add("GET", "/api/v1/admin/users/{id}", {http::Auth::kRequired, false, 0, Role::kAdmin},
             [d](Request r) { return admin_get(d.get(), std::move(r)); });
  routes.add("PATCH", "/api/v1/admin/users/{id}", {http::Auth::kRequired, true, 0, Role::kAdmin},
             [d](Request r) { return admin_patch(d.get(), std::move(r)); });
}

void add_routes(http::RouteTable& routes, UserStore& store, std::vector<AccountPart*> parts,
                EmailChange email_change) {
  using http::Auth;
  auto d = std::make_shared<Deps>(Deps{&store, std::move(parts), std::move(email_change)});
  routes.add("GET", "/api/v1/users/me", {},
             [d](Request r) { return get_me(d.get(), std::move(r)); });
  routes.add("PATCH", "/api/v1/users/me", {Auth::kRequired, true},
             [d](Request r) { return patch_me(d.get(), std::move(r)); });
  routes.add("DELETE", "/api/v1/users/me", {},
             [d](Request r) { return delete_me(d.get(), std::move(r)); });
  routes.add("GET", "/api/v1/users/me/export", {},
             [d](Request r) { return export_me(d.get(), std::move(r)); });
  routes.add("GET", "/api/v1/users/{id}", {},
             [d](Request r) { return get_user(d.get(), std::move(r)); });
}

}  // namespace gd::users
