// The notification text tables: every type has a title and a body in every language, each
// uses only the placeholders its events fill in, and rendering leaves none unfilled.
#include <gtest/gtest.h>

#include <algorithm>

#include "notifications/texts.hpp"
#include "users/user.hpp"

namespace gd::notifications {
namespace {

Data full_data() {
  return {.task_id = "t",
          .application_id = "a",
          .redemption_id = "r",
          .points = 42,
          .reason = "because",
          .task_title = "Carry bags"};
}

TEST(NotificationTexts, EveryTypeHasATextInEveryLanguage) {
  const auto& tables = text_tables();
  for (auto locale : users::kLocales) {
    const auto table = tables.find(locale);
    ASSERT_NE(table, tables.end()) << locale;
    EXPECT_EQ(table->second.size(), all_types().size()) << locale << ": no stray entries";
    for (auto type : all_types()) {
      const auto text = table->second.find(type_name(type));
      ASSERT_NE(text, table->second.end()) << locale << " " << type_name(type);
      EXPECT_FALSE(text->second.title.empty()) << locale << " " << type_name(type);
      EXPECT_FALSE(text->second.body.empty()) << locale << " " << type_name(type);
    }
  }
}

TEST(NotificationTexts, PlaceholdersAreThoseTheTypeFillsIn) {
  for (const auto& [locale, table] : text_tables()) {
    for (auto type : all_types()) {
      const auto allowed = placeholders(type);
      const auto& text = table.at(std::string(type_name(type)));
      for (const auto& tmpl : {text.title, text.body})
        for (const auto& name : placeholders_in(tmpl))
          EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end())
              << locale << " " << type_name(type) << " uses {" << name << "}";
    }
  }
}

TEST(NotificationTexts, RenderingFillsEveryPlaceholder) {
  for (auto locale : users::kLocales) {
    for (auto type : all_types()) {
      const auto t = render(locale, type, full_data());
      for (const auto& s : {t.title, t.body}) {
        EXPECT_EQ(s.find('{'), std::string::npos) << locale << " " << type_name(type) << ": " << s;
        EXPECT_EQ(s.find('}'), std::string::npos) << locale << " " << type_name(type) << ": " << s;
      }
    }
  }
  EXPECT_NE(render("de", Type::kTaskConfirmed, full_data()).title.find("42"), std::string::npos);
  EXPECT_NE(render("en", Type::kTaskRejected, full_data()).body.find("because"), std::string::npos);
  EXPECT_NE(render("en", Type::kTaskStarted, full_data()).body.find("Carry bags"),
            std::string::npos);
}

TEST(NotificationTexts, TheLanguagesDifferAndAnUnknownOneFallsBackToEnglish) {
  const auto en = render("en", Type::kApplicationReceived, full_data());
  const auto de = render("de", Type::kApplicationReceived, full_data());
  EXPECT_NE(en.title, de.title);
  EXPECT_EQ(render("fr", Type::kApplicationReceived, full_data()).title, en.title);
}

TEST(NotificationTexts, AcceptLanguagePicksTheFirstSupportedByQuality) {
  EXPECT_EQ(users::locale_from_accept_language(""), "en");
  EXPECT_EQ(users::locale_from_accept_language("de"), "de");
  EXPECT_EQ(users::locale_from_accept_language("de-AT, en;q=0.9"), "de");
  EXPECT_EQ(users::locale_from_accept_language("en;q=0.5, de;q=0.6"), "de");
  EXPECT_EQ(users::locale_from_accept_language("fr, it;q=0.9"), "en");
  EXPECT_EQ(users::locale_from_accept_language("de;q=0"), "en");
  EXPECT_EQ(users::locale_from_accept_language("de;q=2, en;q=0.1"), "en");
  EXPECT_EQ(users::locale_from_accept_language("en, de"), "en");  // a tie keeps the order
  EXPECT_EQ(users::locale_from_accept_language("*;q=0.5, DE-ch;q=0.7"), "de");
}

}  // namespace
}  // namespace gd::notifications
