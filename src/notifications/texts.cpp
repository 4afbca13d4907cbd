// The text tables and placeholder filling.
#include "notifications/texts.hpp"

#include <boost/json/parse.hpp>

#include "core/check.hpp"
#include "core/embedded.hpp"
#include "users/user.hpp"

namespace gd::notifications {
namespace {

constexpr std::string_view kPrefix = "src/notifications/texts/";

std::map<std::string, Text, std::less<>> parse_table(std::string_view json) {
  const auto doc = boost::json::parse(json);  // a broken embedded table is a build defect
  std::map<std::string, Text, std::less<>> out;
  for (const auto& [type, entry] : doc.as_object()) {
    const auto& e = entry.as_object();
    out[std::string(type)] = {std::string(e.at("title").as_string()),
                              std::string(e.at("body").as_string())};
  }
  return out;
}

TextTables load() {
  TextTables tables;
  for (const auto& f : embedded::in_dir(kPrefix)) tables[std::string(f.name)] = parse_table(f.data);
  for (auto locale : users::kLocales) {
    const auto t = tables.find(locale);
    GD_CHECK(t != tables.end() && "a text table per locale");
    for (auto type : all_types()) GD_CHECK(t->second.contains(type_name(type)));
  }
  return tables;
}

std::string fill(std::string_view tmpl, const Data& d) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const auto open = tmpl.find('{', i);
    const auto close = open == std::string_view::npos ? open : tmpl.find('}', open);
    if (close == std::string_view::npos) {
      out += tmpl.substr(i);
      break;
    }
    out += tmpl.substr(i, open - i);
    const auto name = tmpl.substr(open + 1, close - open - 1);
    if (name == "task")
      out += d.task_title.value_or("");
    else if (name == "points")
      out += d.points ? std::to_string(*d.points) : "";
    else if (name == "reason")
      out += d.reason.value_or("");
    else
      out += tmpl.substr(open, close - open + 1);  // unknown: left for the tests to find
    i = close + 1;
  }
  return out;
}

}  // namespace

const TextTables& text_tables() {
  static const TextTables kTables = load();
  return kTables;
}

std::vector<std::string_view> placeholders(Type t) {
  switch (t) {
    case Type::kTaskConfirmed:
      return {"task", "points"};
    case Type::kTaskRejected:
      return {"task", "reason"};
    case Type::kPointsAdjusted:
    case Type::kRedemptionRefunded:
      return {"points", "reason"};
    default:
      return {"task"};
  }
}

Text render(std::string_view locale, Type type, const Data& d) {
  const auto& tables = text_tables();
  auto table = tables.find(locale);
  if (table == tables.end()) table = tables.find(users::kLocales[0]);
  const auto& text = table->second.find(type_name(type))->second;
  return {fill(text.title, d), fill(text.body, d)};
}

std::vector<std::string> placeholders_in(std::string_view tmpl) {
  std::vector<std::string> out;
  for (auto open = tmpl.find('{'); open != std::string_view::npos; open = tmpl.find('{', open)) {
    const auto close = tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(tmpl.substr(open + 1, close - open - 1));
    open = close;
  }
  return out;
}

}  // namespace gd::notifications
