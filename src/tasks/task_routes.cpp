// Thin handlers for help tasks: decode and validate, call TaskService, encode.
#include "tasks/task_routes.hpp"

#include "tasks/task_fields.hpp"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/json_writer.hpp"
#include "http/log.hpp"
#include "http/page.hpp"
#include "tasks/geo.hpp"

namespace gd::tasks {
namespace {

using http::invalid_id;
using http::Request;
using http::Response;

Response task_response(int status, const HelpTask& t, const std::string& viewer) {
  return Response::json(status, boost::json::serialize(task_json(t, viewer)));
}

}  // namespace

namespace {

Task<Response> create(TaskService* svc, Request req) {
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  std::optional<std::string> project;
  auto fields = read_task_fields(*body, true, svc->options().max_reward, &project);
  if (!fields) co_return fail(req, fields.error());
  NewTask n{*fields->title,
            fields->description.value_or(""),
            *fields->category,
            *fields->location,
            *fields->points_reward,
            fields->image_urls.value_or(std::vector<std::string>{}),
            project};
  auto t = co_await svc->create(req.principal->user(), std::move(n));
  if (!t) co_return fail(req, t.error());
  co_return task_response(201, *t, req.principal->user_id);
}

Task<Response> get_one(TaskService* svc, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, invalid_id());
  auto t = co_await svc->get(req.principal->user(), TaskId(req.param(0)));
  if (!t) co_return fail(req, t.error());
  co_return task_response(200, *t, req.principal->user_id);
}

Task<Response> patch(TaskService* svc, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, invalid_id());
  auto body = json::parse_object(req.body);
  if (!body) co_return fail(req, body.error());
  auto fields = read_task_fields(*body, false, svc->options().max_reward, nullptr);
  if (!fields) co_return fail(req, fields.error());
  auto t =
      co_await svc->patch(req.principal->user(), TaskId(req.param(0)), std::move(fields.value()));
  if (!t) co_return fail(req, t.error());
  co_return task_response(200, *t, req.principal->user_id);
}

std::optional<double> number_param(const Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  double d = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  if (ec != std::errc() || p != v->data() + v->size() || !std::isfinite(d)) return std::nan("");
  return d;
}

constexpr CursorField kDistanceId[] = {CursorField::kNumber, CursorField::kUuid};
constexpr CursorField kTimeId[] = {CursorField::kInt, CursorField::kUuid};

// A search's cursor is bound to everything but the page size: its key is only meaningful for
// the same centre, radius, category and order.
ListCursor search_cursor(const SearchQuery& q) {
  return {
      q.newest ? CursorSchema(kTimeId) : CursorSchema(kDistanceId),
      fmt::format("sort={} lat={} lng={} radius={} category={}", q.newest ? "newest" : "distance",
                  q.centre.lat, q.centre.lng, q.radius_m, q.category.value_or(""))};
}

// Parses GET /tasks parameters into a query; the cursor is read last, bound to the others.
Result<SearchQuery> read_search(const Request& req, const CursorCodec& cursors) {
  json::Reader in(boost::json::object{});
  SearchQuery q;
  const auto lat = number_param(req, "lat"), lng = number_param(req, "lng");
  if (!lat || std::isnan(*lat) || *lat < -90 || *lat > 90)
    in.fail("lat", "is required, in [-90, 90]");
  if (!lng || std::isnan(*lng) || *lng < -180 || *lng > 180)
    in.fail("lng", "is required, in [-180, 180]");
  const auto radius = number_param(req, "radius");
  if (radius && (std::isnan(*radius) || *radius < 1 || *radius > 50000))
    in.fail("radius", "must be a number of metres from 1 to 50000");
  const auto category = req.query_param("category");
  if (category && !valid_category(*category)) in.fail("category", "is not a known category");
  const auto sort = req.query_param("sort").value_or("distance");
  if (sort != "distance" && sort != "newest") in.fail("sort", "must be distance or newest");
  if (auto st = in.finish(); !st) return st.error();
  q.centre = {*lat, *lng};
  q.radius_m = radius.value_or(5000);
  if (category) q.category = std::string(*category);
  q.newest = sort == "newest";
  auto page = read_page(req, cursors, search_cursor(q));
  if (!page) return std::move(page).error();
  q.limit = page->limit;
  if (!page->after.empty()) {
    const double key = q.newest ? static_cast<double>(page->int_after(0)) : page->number_after(0);
    q.after = std::make_pair(key, page->text_after(1));
  }
  return q;
}

Task<Response> search(TaskService* svc, const CursorCodec* cursors, Request req) {
  auto q = read_search(req, *cursors);
  if (!q) co_return fail(req, q.error());
  const auto query = *q;
  auto found = co_await svc->search(std::move(q.value()));
  const auto& viewer = req.principal->user_id;
  const std::size_t shown = std::min(found.size(), static_cast<std::size_t>(query.limit));
  std::string body;
  body.reserve(64 + shown * 640);
  body.append(R"({"items":[)");
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& t = found[i].task;
    if (i) body.push_back(',');
    const GeoPoint seen = t.sees_true_location(viewer) ? t.location : t.grid;
    write_task_json(body, t, viewer, haversine_m(query.centre, seen));
  }
  body.append(R"(],"nextCursor":)");
  if (found.size() > shown) {
    const auto& last = found[shown - 1];
    const CursorValue key =
        query.newest ? CursorValue(last.task.created_at_ms) : CursorValue(last.sort_distance_m);
    json::write_string(body, next_cursor(req, *cursors, search_cursor(query), {key, last.task.id}));
  } else {
    body.append("null");
  }
  body.push_back('}');
  co_return Response::json(200, std::move(body));
}

// The cursor after the page's last row, or null when `rows` (fetched with one row more than
// the page) holds no further page.
template <class T, class KeyFn>
boost::json::value next_page(const Request& req, const CursorCodec& cursors, const ListCursor& list,
                             const std::vector<T>& rows, int limit, KeyFn key) {
  if (rows.size() <= static_cast<std::size_t>(limit)) return nullptr;
  return boost::json::value(
      next_cursor(req, cursors, list, key(rows[static_cast<std::size_t>(limit) - 1])));
}

std::optional<std::pair<std::int64_t, std::string>> time_key(const PageRequest& p) {
  if (p.after.empty()) return std::nullopt;
  return std::make_pair(p.int_after(0), p.text_after(1));
}

Task<Response> mine(TaskService* svc, const CursorCodec* cursors, Request req) {
  const auto role = req.query_param("role").value_or("");
  if (role != "" && role != "creator" && role != "helper")
    co_return fail(req, validation_error("role", "must be creator or helper"));
  const auto status_param = req.query_param("status");
  const auto status = status_param ? parse_status(*status_param) : std::nullopt;
  if (status_param && !status)
    co_return fail(req, validation_error("status", "is not a task status"));
  const ListCursor list{kTimeId, query_shape(req, {"role", "status"})};
  auto page = read_page(req, *cursors, list);
  if (!page) co_return fail(req, page.error());
  auto rows = co_await svc->mine(req.principal->user(), std::string(role), status, page->limit,
                                 time_key(*page));
  boost::json::array items;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(page->limit); ++i)
    items.push_back(task_json(rows[i], req.principal->user_id));
  auto next = next_page(req, *cursors, list, rows, page->limit, [](const HelpTask& t) {
    return std::vector<CursorValue>{t.created_at_ms, t.id};
  });
  co_return Response::json(200, boost::json::serialize(boost::json::object{
                                    {"items", std::move(items)}, {"nextCursor", next}}));
}

bool json_content(const Request& req) {
  const auto ct = req.header("content-type").value_or("");
  if (ct.size() < 16) return false;
  std::string head(ct.substr(0, 16));
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head == "application/json";
}

// An optional JSON body: empty is {}, anything else must be a JSON object.
Result<boost::json::object> optional_body(const Request& req) {
  if (req.body.empty()) return boost::json::object{};
  if (!json_content(req))
    return make_error(ErrorCode::kUnsupportedMediaType, "The body must be application/json.");
  return json::parse_object(req.body);
}

Task<Response> apply(TaskService* svc, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, invalid_id());
  auto body = optional_body(req);
  if (!body) co_return fail(req, body.error());
  auto message = read_application(*body);
  if (!message) co_return fail(req, message.error());
  auto a = co_await svc->apply(req.principal->user(), TaskId(req.param(0)), std::move(*message));
  if (!a) co_return fail(req, a.error());
  co_return Response::json(201, boost::json::serialize(application_json(*a)));
}

Task<Response> list_applications(TaskService* svc, const CursorCodec* cursors, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, invalid_id());
  const ListCursor list{kTimeId, {}};
  auto page = read_page(req, *cursors, list);
  if (!page) co_return fail(req, page.error());
  auto rows = co_await svc->applications(req.principal->user(), TaskId(req.param(0)), page->limit,
                                         time_key(*page));
  if (!rows) co_return fail(req, rows.error());
  boost::json::array items;
  for (std::size_t i = 0; i < rows->size() && i < static_cast<std::size_t>(page->limit); ++i)
    items.push_back(application_json((*rows)[i]));
  auto next = next_page(req, *cursors, list, *rows, page->limit, [](const Application& a) {
    return std::vector<CursorValue>{a.created_at_ms, a.id};
  });
  co_return Response::json(200, boost::json::serialize(boost::json::object{
                                    {"items", std::move(items)}, {"nextCursor", next}}));
}

Task<Response> accept(TaskService* svc, Request req) {
  if (!is_uuid(req.param(0)) || !is_uuid(req.param(1))) co_return fail(req, invalid_id());
  auto t = co_await svc->accept(req.principal->user(), TaskId(req.param(0)),
                                ApplicationId(req.param(1)));
  if (!t) co_return fail(req, t.error());
  co_return task_response(200, *t, req.principal->user_id);
}

Task<Response> act(TaskService* svc, Action action, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, invalid_id());
  std::optional<std::string> reason;
  if (action == Action::kReject) {
    auto body = optional_body(req);
    if (!body) co_return fail(req, body.error());
    auto read = read_rejection(*body);
    if (!read) co_return fail(req, read.error());
    reason = std::move(*read);
  }
  auto moved = co_await svc->act(req.principal->user(), TaskId(req.param(0)), action, reason);
  if (!moved) co_return fail(req, moved.error());
  auto body = task_json(moved->task, req.principal->user_id);
  // On confirm: what the helper was credited, and whether an earning limit cut it.
  if (moved->reward) body["reward"] = points::reward_json(*moved->reward);
  co_return Response::json(200, boost::json::serialize(body));
}

Task<Response> deactivate(TaskService* svc, Request req) {
  if (!is_uuid(req.param(0))) co_return fail(req, invalid_id());
  auto t = co_await svc->deactivate(req.principal->user(), TaskId(req.param(0)));
  if (!t) co_return fail(req, t.error());
  http::audit(req, "task.deactivate", req.param(0));
  co_return task_response(200, *t, req.principal->user_id);
}

}  // namespace

void add_admin_routes(http::RouteTable& routes, TaskService& service) {
  routes.add("POST", "/api/v1/admin/tasks/{id}/deactivate",
             {http::Auth::kRequired, false, 0, Role::kAdmin},
             [s = &service](Request r) { return deactivate(s, std::move(r)); });
}

void add_routes(http::RouteTable& routes, TaskService& service, IdempotencyStore& keys,
                const CursorCodec& cursors) {
  TaskService* s = &service;
  const CursorCodec* c = &cursors;
  const http::RouteOptions json_in{http::Auth::kRequired, true};
  const http::RouteOptions any_in{http::Auth::kRequired, false};
  routes.add("POST", "/api/v1/tasks", json_in, [s](Request r) { return create(s, std::move(r)); });
  routes.add("GET", "/api/v1/tasks", any_in,
             [s, c](Request r) { return search(s, c, std::move(r)); });
  routes.add("GET", "/api/v1/tasks/{id}", any_in,
             [s](Request r) { return get_one(s, std::move(r)); });
  routes.add("PATCH", "/api/v1/tasks/{id}", json_in,
             [s](Request r) { return patch(s, std::move(r)); });
  routes.add("GET", "/api/v1/users/me/tasks", any_in,
             [s, c](Request r) { return mine(s, c, std::move(r)); });
  routes.add("POST", "/api/v1/tasks/{id}/applications", any_in,
             [s](Request r) { return apply(s, std::move(r)); });
  routes.add("GET", "/api/v1/tasks/{id}/applications", any_in,
             [s, c](Request r) { return list_applications(s, c, std::move(r)); });
  routes.add("POST", "/api/v1/tasks/{id}/applications/{applicationId}/accept", any_in,
             [s](Request r) { return accept(s, std::move(r)); });
  for (const char* name : {"start", "withdraw", "complete", "confirm", "reject", "cancel"}) {
    const Action a = *parse_action(name);
    http::Handler handler = [s, a](Request r) { return act(s, a, std::move(r)); };
    if (a == Action::kConfirm) handler = http::with_idempotency(&keys, std::move(handler));
    routes.add("POST", std::string("/api/v1/tasks/{id}/") + name, any_in, std::move(handler));
  }
}

Task<void> TasksPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array tasks;
  std::optional<std::pair<std::int64_t, std::string>> after;
  for (;;) {
    auto page = co_await store_.list_for_user(user_id, "", std::nullopt, 500, after);
    for (std::size_t i = 0; i < page.size() && i < 500; ++i)
      tasks.push_back(task_json(page[i], user_id));
    if (page.size() <= 500) break;
    after = std::make_pair(page[499].created_at_ms, page[499].id);
  }
  boost::json::array applications;
  for (const auto& a : co_await store_.applications_by(user_id))
    applications.push_back(application_json(a));
  doc["tasks"] = std::move(tasks);
  doc["applications"] = std::move(applications);
}

}  // namespace gd::tasks
