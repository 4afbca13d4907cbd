// The mail text tables and their rendering into a plain-text and an HTML part.
#include "mail/texts.hpp"

#include <boost/json/parse.hpp>

#include "core/check.hpp"
#include "core/embedded.hpp"
#include "users/user.hpp"

namespace gd::mail {
namespace {

constexpr std::string_view kPrefix = "src/mail/texts/";

std::vector<std::string> strings(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::map<std::string, Template, std::less<>> parse_table(std::string_view json) {
  const auto doc = boost::json::parse(json);  // a broken embedded table is a build defect
  std::map<std::string, Template, std::less<>> out;
  for (const auto& [name, entry] : doc.as_object()) {
    const auto& e = entry.as_object();
    out[std::string(name)] = {std::string(e.at("subject").as_string()), strings(e.at("before")),
                              std::string(e.at("action").as_string()), strings(e.at("after"))};
  }
  return out;
}

Tables load() {
  Tables t;
  for (const auto& f : embedded::in_dir(kPrefix)) t[std::string(f.name)] = parse_table(f.data);
  for (auto locale : users::kLocales) {
    const auto table = t.find(locale);
    GD_CHECK(table != t.end() && "a mail text table per locale");
    for (auto name : kTemplates) GD_CHECK(table->second.contains(name));
  }
  return t;
}

// Placeholders filled from vars; an unknown one stays as written (a test finds it).
std::string fill(std::string_view tmpl, const Vars& vars, bool html) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const auto open = tmpl.find('{', i);
    const auto close = open == std::string_view::npos ? open : tmpl.find('}', open);
    if (close == std::string_view::npos) {
      out += html ? html_escape(tmpl.substr(i)) : std::string(tmpl.substr(i));
      break;
    }
    const auto literal = tmpl.substr(i, open - i);
    out += html ? html_escape(literal) : std::string(literal);
    const auto it = vars.find(tmpl.substr(open + 1, close - open - 1));
    const std::string_view value =
        it == vars.end() ? tmpl.substr(open, close - open + 1) : std::string_view(it->second);
    out += html ? html_escape(value) : std::string(value);
    i = close + 1;
  }
  return out;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const Tables& tables() {
  static const Tables kTables = load();
  return kTables;
}

Rendered render(std::string_view locale, std::string_view name, const Vars& vars,
                std::string_view link) {
  const auto& all = tables();
  auto table = all.find(locale);
  if (table == all.end()) table = all.find(users::kLocales[0]);
  const auto entry = table->second.find(name);
  GD_CHECK(entry != table->second.end());
  const Template& t = entry->second;
  Rendered r;
  r.subject = fill(t.subject, vars, false);
  r.html = "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif; line-height: 1.5\">\n";
  for (const auto& p : t.before) {
    r.text += fill(p, vars, false) + "\n\n";
    r.html += "<p>" + fill(p, vars, true) + "</p>\n";
  }
  if (!t.action.empty() && !link.empty()) {
    r.text += std::string(link) + "\n\n";
    r.html += "<p><a href=\"" + html_escape(link) + "\">" + fill(t.action, vars, true) +
              "</a></p>\n<p style=\"font-size: small\">" + html_escape(link) + "</p>\n";
  }
  for (const auto& p : t.after) {
    r.text += fill(p, vars, false) + "\n\n";
    r.html += "<p>" + fill(p, vars, true) + "</p>\n";
  }
  r.text += "-- \nGood Deeds\n";
  r.html += "</body></html>\n";
  return r;
}

}  // namespace gd::mail
