// Thin handlers over NotificationService.
#include "notifications/notification_routes.hpp"

#include <boost/json/serialize.hpp>

#include "core/every_page.hpp"
#include "core/ids.hpp"
#include "http/page.hpp"

namespace gd::notifications {
namespace {

using http::Request;
using http::Response;

constexpr CursorField kTimeId[] = {CursorField::kInt, CursorField::kUuid};

// ?unread= absent, true or false.
Result<bool> read_unread(const Request& req) {
  const auto v = req.query_param("unread");
  if (!v || *v == "false") return false;
  if (*v == "true") return true;
  return validation_error("unread", "must be true or false");
}

Task<Response> list(NotificationService* svc, const CursorCodec* cursors, Request req) {
  auto unread = read_unread(req);
  if (!unread) co_return fail(req, unread.error());
  const ListCursor shape{kTimeId, query_shape(req, {"unread"})};
  auto page = read_page(req, *cursors, shape);
  if (!page) co_return fail(req, page.error());
  const int limit = page->limit;
  const UserId user(req.principal->user_id);
  const auto rows = co_await svc->list(user, *unread, std::move(page.value()));
  boost::json::array items;
  boost::json::value next = nullptr;
  for (int i = 0; i < static_cast<int>(rows.size()) && i < limit; ++i)
    items.push_back(notification_json(rows[static_cast<std::size_t>(i)]));
  if (static_cast<int>(rows.size()) > limit) {
    const auto& last = rows[static_cast<std::size_t>(limit - 1)];
    next = next_cursor(req, *cursors, shape, {last.created_at_ms, last.id});
  }
  boost::json::object body{{"items", std::move(items)},
                           {"nextCursor", std::move(next)},
                           {"unreadCount", co_await svc->unread_count(user)}};
  co_return Response::json(200, boost::json::serialize(body));
}

Error not_found() {
  return make_error(ErrorCode::kNotificationNotFound, "No such notification.");
}

Task<Response> read_one(NotificationService* svc, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, http::invalid_id());
  if (!co_await svc->mark_read(UserId(req.principal->user_id), req.param(0)))
    co_return fail(req, not_found());
  co_return Response::no_content();
}

Task<Response> read_all(NotificationService* svc, Request req) {
  co_await svc->mark_all_read(UserId(req.principal->user_id));
  co_return Response::no_content();
}

}  // namespace

void add_routes(http::RouteTable& routes, NotificationService& service,
                const CursorCodec& cursors) {
  NotificationService* s = &service;
  routes.add("GET", "/api/v1/notifications", {},
             [s, c = &cursors](Request r) { return list(s, c, std::move(r)); });
  routes.add("POST", "/api/v1/notifications/read-all", {},
             [s](Request r) { return read_all(s, std::move(r)); });
  routes.add("POST", "/api/v1/notifications/{id}/read", {},
             [s](Request r) { return read_one(s, std::move(r)); });
}

Task<void> NotificationsPart::export_into(std::string user_id, boost::json::object& doc) {
  const auto rows = co_await every_page<Notification>(
      [&](PageRequest page) { return service_.list(UserId(user_id), false, std::move(page)); },
      [](const Notification& n) {
        return std::vector<CursorValue>{n.created_at_ms, n.id};
      });
  boost::json::array all;
  for (const auto& n : rows) all.push_back(notification_json(n));
  doc["notifications"] = std::move(all);
}

}  // namespace gd::notifications
