// Roles: a closed list. A person's account has `user` and perhaps `admin`; a partner's point
// of sale (an API key) is `partner`. Stored as a comma-separated list in `users.roles` and
// sent as an array in access tokens and profiles; names outside the list are dropped when
// read, so they grant nothing.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gd {

enum class Role : std::uint8_t { kUser, kAdmin, kPartner };

std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view name);

class Roles {
 public:
  Roles() = default;
  Roles(std::initializer_list<Role> roles) {
    for (Role r : roles) add(r);
  }
  // "user,admin" → {user, admin}; unknown and empty names are dropped.
  static Roles from_list(std::string_view csv);

  bool has(Role r) const { return (bits_ & bit(r)) != 0; }
  void add(Role r) { bits_ |= bit(r); }
  bool empty() const { return bits_ == 0; }
  // In the list's order: user, admin, partner.
  std::vector<std::string_view> names() const;
  std::string to_list() const;  // "user,admin"
  friend bool operator==(Roles, Roles) = default;

 private:
  static std::uint8_t bit(Role r) {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(r));
  }
  std::uint8_t bits_ = 0;
};

}  // namespace gd
