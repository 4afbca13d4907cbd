// Projects: a person's own grouping of their help tasks (the seed's schema). They have no REST
// routes; clients hold them through offline sync, and they appear in the data export.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "core/json.hpp"
#include "core/result.hpp"

namespace gd::projects {

struct Project {
  std::string id;
  std::string user_id;
  std::string name;
  std::optional<std::string> description;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  bool deleted = false;
};

// A project as a client writes it: absent fields are left as they are.
struct ProjectFields {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> description;  // present null clears it
};

inline constexpr json::StringRule kNameRule{1, 200, true};
inline constexpr json::StringRule kDescriptionRule{0, 2000, true, TextKind::kMultiline};

// Checks (and trims) the fields present; `creating` makes the name required.
Status check_fields(ProjectFields& f, bool creating);

boost::json::object project_json(const Project& p);

}  // namespace gd::projects
