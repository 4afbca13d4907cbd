// Mail texts: one table per language (texts/<locale>.json, compiled into the binary), each
// holding per template a subject, the paragraphs before the link, the link's label and the
// paragraphs after it, with {name}-style placeholders. The plain-text and the HTML part are
// both made from the same entry, so the two never say different things.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gd::mail {

struct Template {
  std::string subject;
  std::vector<std::string> before;
  std::string action;  // the link's label; empty for a message without a link
  std::vector<std::string> after;
};

// locale → template name → template.
using Tables = std::map<std::string, std::map<std::string, Template, std::less<>>, std::less<>>;

// The template names every table must have.
inline constexpr std::string_view kTemplates[] = {"verify_email",        "email_change",
                                                  "email_change_notice", "password_reset",
                                                  "password_changed",    "password_was_reset"};

// The embedded tables, parsed once; GD_CHECK that every locale has every template.
const Tables& tables();

struct Rendered {
  std::string subject, text, html;
};
using Vars = std::map<std::string, std::string, std::less<>>;
// Template `name` in `locale` ("en" for a locale without a table), placeholders filled from
// `vars` (HTML-escaped in the HTML part); `link` goes below the paragraphs before it.
Rendered render(std::string_view locale, std::string_view name, const Vars& vars,
                std::string_view link);
std::string html_escape(std::string_view s);

}  // namespace gd::mail
