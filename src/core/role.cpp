#include "core/role.hpp"

#include "core/names.hpp"

namespace gd {
namespace {
constexpr std::string_view kNames[] = {"user", "admin", "partner"};
}  // namespace

std::string_view role_name(Role r) {
  return enum_name(kNames, r);
}

std::optional<Role> parse_role(std::string_view name) {
  return enum_from_name<Role>(kNames, name);
}

Roles Roles::from_list(std::string_view csv) {
  Roles out;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    if (auto r = parse_role(csv.substr(0, comma))) out.add(*r);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out;
}

std::vector<std::string_view> Roles::names() const {
  std::vector<std::string_view> out;
  for (unsigned i = 0; i < std::size(kNames); ++i)
    if (has(static_cast<Role>(i))) out.push_back(kNames[i]);
  return out;
}

std::string Roles::to_list() const {
  std::string out;
  for (auto n : names()) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}

}  // namespace gd
