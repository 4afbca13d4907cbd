// Closed vocabularies as enums whose wire and stored names are one table: the enumerators in
// order, the names in the same order. `enum_from_name` reads a name back (nullopt for one
// outside the table).
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace gd {

template <class E, std::size_t N>
constexpr std::string_view enum_name(const std::string_view (&names)[N], E e) {
  return names[static_cast<std::size_t>(e)];
}

template <class E, std::size_t N>
constexpr std::optional<E> enum_from_name(const std::string_view (&names)[N], std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace gd
