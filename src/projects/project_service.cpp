// Project rules over ProjectStore.
#include "projects/project_service.hpp"

#include <boost/json/array.hpp>

#include "core/clock.hpp"

namespace gd::projects {

Task<Status> ProjectService::put_in(db::Tx& tx, UserId user, ProjectRecord record) {
  if (record.user_id && *record.user_id != user.value)
    co_return make_error(ErrorCode::kForbidden, "A project's owner is the person who pushes it.");
  const auto current = co_await ProjectStore::find(tx, record.id.value);
  if (auto checked = check_fields(record.fields, !current); !checked) co_return checked;
  const std::int64_t now = now_ms();
  if (!current) {
    Project p;
    p.id = record.id.value;
    p.user_id = user.value;
    p.name = *record.fields.name;
    if (record.fields.description) p.description = *record.fields.description;
    p.created_at_ms = p.updated_at_ms = now;
    co_await ProjectStore::insert(tx, p);
    co_return Ok{};
  }
  if (current->user_id != user.value)
    co_return make_error(ErrorCode::kForbidden, "This project is someone else's.");
  if (current->deleted) co_return make_error(ErrorCode::kNotFound, "This project was deleted.");
  Project next = *current;
  if (record.fields.name) next.name = *record.fields.name;
  if (record.fields.description) next.description = *record.fields.description;
  if (next.name == current->name && next.description == current->description) co_return Ok{};
  next.updated_at_ms = now;
  co_await ProjectStore::update(tx, next);
  co_return Ok{};
}

Task<Status> ProjectService::remove_in(db::Tx& tx, UserId user, ProjectId id) {
  const auto current = co_await ProjectStore::find(tx, id.value);
  if (!current || current->deleted) co_return Ok{};
  if (current->user_id != user.value)
    co_return make_error(ErrorCode::kForbidden, "This project is someone else's.");
  co_await ProjectStore::mark_deleted(tx, id.value, now_ms());
  co_return Ok{};
}

Task<bool> ProjectService::owned_live(db::Tx& tx, UserId user, ProjectId id) {
  return ProjectStore::owned_live(tx, id.value, user.value);
}

Task<bool> ProjectService::owned_live(UserId user, ProjectId id) {
  return store_.owned_live(id.value, user.value);
}

Task<void> ProjectsPart::export_into(std::string user_id, boost::json::object& doc) {
  boost::json::array list;
  for (const auto& p : co_await store_.of_user(user_id)) list.push_back(project_json(p));
  doc["projects"] = std::move(list);
}

Task<void> ProjectsPart::erase(std::string user_id) {
  co_await store_.erase_user(user_id, now_ms());
}

}  // namespace gd::projects
