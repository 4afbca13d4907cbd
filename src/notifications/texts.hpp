// Notification texts: one table per language (texts/<locale>.json, compiled into the binary),
// each holding a title and a body per type with {task}, {points} and {reason} placeholders.
// Code picks the table and fills the placeholders; the words live only in the tables.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "notifications/notification.hpp"

namespace gd::notifications {

struct Text {
  std::string title;
  std::string body;
};

// locale → type name → text.
using TextTables = std::map<std::string, std::map<std::string, Text, std::less<>>, std::less<>>;

// The embedded tables, parsed once; GD_CHECK that every locale of users::kLocales has every type.
const TextTables& text_tables();
// The placeholders a type's text may use: the fields its events fill in.
std::vector<std::string_view> placeholders(Type t);
// The text of `type` in `locale` ("en" for a locale without a table), placeholders filled
// from `d` (an absent value becomes empty).
Text render(std::string_view locale, Type type, const Data& d);
// The placeholder names ({name}) a template uses, in order.
std::vector<std::string> placeholders_in(std::string_view tmpl);

}  // namespace gd::notifications
