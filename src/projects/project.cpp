// The rules of a project's fields and its JSON form (the data export).
#include "projects/project.hpp"

#include "core/clock.hpp"

namespace gd::projects {

Status check_fields(ProjectFields& f, bool creating) {
  std::vector<FieldError> errors;
  if (f.name) {
    if (auto problem = json::check_text(*f.name, kNameRule)) errors.push_back({"name", *problem});
  } else if (creating) {
    errors.push_back({"name", "is required"});
  }
  if (f.description && *f.description) {
    if (auto problem = json::check_text(**f.description, kDescriptionRule))
      errors.push_back({"description", *problem});
  }
  if (errors.empty()) return Ok{};
  return Error{ErrorCode::kValidationFailed, "The project is invalid.", std::move(errors)};
}

boost::json::object project_json(const Project& p) {
  boost::json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["description"] = p.description ? boost::json::value(*p.description) : nullptr;
  o["createdAt"] = iso8601_ms(p.created_at_ms);
  o["updatedAt"] = iso8601_ms(p.updated_at_ms);
  return o;
}

}  // namespace gd::projects
