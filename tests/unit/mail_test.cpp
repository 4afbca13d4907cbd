// The mail module's pure parts: the MIME rendering every transport sends (line lengths,
// encoded subject, both parts), the text tables (every template in every language, no
// placeholder left unfilled, values escaped in HTML), the SMTP URL rules and the back-off;
// and, on a real SQLite database, what a composed request sends and what its token does.
#include <gtest/gtest.h>

#include <sodium.h>

#include <sstream>

#include "db_fixture.hpp"
#include "mail/account_mail.hpp"
#include "mail/mail_store.hpp"
#include "mail/mail_worker.hpp"
#include "mail/mailer.hpp"
#include "mail/smtp_mailer.hpp"
#include "mail/texts.hpp"
#include "users/user.hpp"

namespace gd::mail {
namespace {

std::string base64_decode(std::string_view b64) {
  std::string out(b64.size(), '\0');
  std::size_t len = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                              b64.size(), "\r\n", &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  out.resize(len);
  return out;
}

TEST(MailFormat, LinesAreCrlfAndShortAndBothPartsDecode) {
  const std::string text(500, 'x');
  const Message m{"a@example.org", "Bestätige deine E-Mail-Adresse für Good Deeds — jetzt bitte",
                  text + " ü", "<p>Hallo</p>"};
  const auto raw = to_rfc5322(m, "Good Deeds <noreply@gooddeeds.test>", 0, "id1");
  std::size_t start = 0;
  while (start < raw.size()) {
    const auto end = raw.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "every line ends with CRLF";
    EXPECT_LE(end - start, 78u) << raw.substr(start, end - start);
    EXPECT_EQ(raw.substr(start, end - start).find('\n'), std::string::npos);
    start = end + 2;
  }
  EXPECT_NE(raw.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Message-ID: <id1@gooddeeds.test>\r\n"), std::string::npos);
  EXPECT_NE(raw.find("Subject: =?UTF-8?B?"), std::string::npos);
  // The subject's encoded words decode to the subject.
  std::string subject;
  for (auto at = raw.find("=?UTF-8?B?"); at != std::string::npos;
       at = raw.find("=?UTF-8?B?", at + 1)) {
    const auto end = raw.find("?=", at + 10);
    subject += base64_decode(raw.substr(at + 10, end - at - 10));
  }
  EXPECT_EQ(subject, m.subject);
  const auto body_at = raw.find("Content-Transfer-Encoding: base64\r\n\r\n") + 37;
  const auto body_end = raw.find("\r\n--", body_at);
  EXPECT_EQ(base64_decode(raw.substr(body_at, body_end - body_at)), m.text);
  EXPECT_NE(raw.find("text/html; charset=utf-8"), std::string::npos);
}

TEST(MailFormat, EnvelopeAddressOfAFromHeader) {
  EXPECT_EQ(envelope_address("Good Deeds <noreply@x.org>"), "noreply@x.org");
  EXPECT_EQ(envelope_address("  noreply@x.org "), "noreply@x.org");
}

TEST(MailTexts, EveryTemplateInEveryLanguageFillsEveryPlaceholder) {
  const Vars vars{{"name", "Ada"}, {"hours", "24"}, {"minutes", "30"}, {"newEmail", "n@x.org"}};
  for (auto locale : users::kLocales) {
    const auto& table = tables().at(std::string(locale));
    EXPECT_EQ(table.size(), std::size(kTemplates)) << locale << ": no stray entries";
    for (auto name : kTemplates) {
      const auto r = render(locale, name, vars, "https://x.org/verify-email#token=abc");
      for (const auto* part : {&r.subject, &r.text, &r.html})
        EXPECT_EQ(part->find('{'), std::string::npos) << locale << " " << name << ": " << *part;
      EXPECT_NE(r.text.find("Ada"), std::string::npos) << locale << " " << name;
      const bool has_link = !table.at(std::string(name)).action.empty();
      EXPECT_EQ(r.text.find("#token=abc") != std::string::npos, has_link) << locale << " " << name;
      EXPECT_EQ(r.html.find("href=\"https://x.org/verify-email#token=abc\"") != std::string::npos,
                has_link);
    }
  }
}

TEST(MailTexts, ValuesAreEscapedInHtmlOnly) {
  const auto r = render("en", "email_change_notice", {{"name", "<b>&"}, {"newEmail", "a@b.c"}}, "");
  EXPECT_NE(r.text.find("Hello <b>&,"), std::string::npos);
  EXPECT_NE(r.html.find("Hello &lt;b&gt;&amp;,"), std::string::npos);
  EXPECT_EQ(r.html.find("<b>&"), std::string::npos);
}

TEST(MailTexts, AnUnknownLocaleFallsBackToEnglish) {
  EXPECT_EQ(render("fr", "password_changed", {{"name", "A"}}, "").subject,
            render("en", "password_changed", {{"name", "A"}}, "").subject);
}

TEST(SmtpUrl, OnlySmtpAndSmtpsWithAHost) {
  EXPECT_NO_THROW(check_smtp_url("smtp://u:p@mail.example.org:587"));
  EXPECT_NO_THROW(check_smtp_url("smtps://mail.example.org"));
  EXPECT_THROW(check_smtp_url("http://mail.example.org"), std::invalid_argument);
  EXPECT_THROW(check_smtp_url("smtp://"), std::invalid_argument);
  EXPECT_THROW(check_smtp_url("smtp://host/path"), std::invalid_argument);
  EXPECT_EQ(redacted_smtp_url("smtp://user:secret@host:25"), "smtp://user:***@host:25");
  EXPECT_EQ(redacted_smtp_url("smtp://host:25"), "smtp://host:25");
}

TEST(MailTokens, AreLongRandomAndStoredAsSha256Hex) {
  const auto a = new_link_token();
  EXPECT_GE(a.size(), 43u);  // 256 bits in base64url
  EXPECT_NE(a, new_link_token());
  EXPECT_EQ(link_token_hash(a).size(), 64u);
  EXPECT_EQ(link_token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MailWorker, BackoffDoublesWithinHalfAndFullAndIsCapped) {
  const DeliveryOptions o{.retry_base_ms = 1000, .retry_max_ms = 8000};
  EXPECT_EQ(MailWorker::backoff_ms(o, 1, 0.0), 500);
  EXPECT_EQ(MailWorker::backoff_ms(o, 1, 1.0), 1000);
  EXPECT_EQ(MailWorker::backoff_ms(o, 3, 1.0), 4000);
  EXPECT_EQ(MailWorker::backoff_ms(o, 10, 1.0), 8000);
}

// Runs the queued requests through compose(), as the worker does; the messages to send.
Task<std::vector<Message>> compose_all(MailStore& store, AccountMail& mail) {
  std::vector<Message> out;
  for (auto& row : co_await store.claim(100, now_ms(), 60'000))
    if (auto m = co_await mail.compose(row)) out.push_back(std::move(*m));
  co_return out;
}

std::string token_of(const Message& m) {
  const auto at = m.text.find("#token=");
  EXPECT_NE(at, std::string::npos) << m.text;
  return m.text.substr(at + 7, m.text.find('\n', at) - at - 7);
}

// Result is not default-constructible, as co_spawn needs: the error's code, or nullopt.
template <class T>
Task<std::optional<ErrorCode>> code_of(Task<Result<T>> t) {
  const auto r = co_await std::move(t);
  if (r.ok()) co_return std::nullopt;
  co_return r.error().code;
}

Task<users::User> new_user(users::UserStore& users, std::string email) {
  co_return (co_await users.create({std::move(email), "hash", "Ada", {gd::Role::kUser}, "en"}))
      .value();
}

TEST(AccountMail, ResetGoesOnlyToAnAccountAndItsTokenWorksOnce) {
  gd::testing::TempSqlite t;
  users::UserStore users(*t.db);
  MailStore store(*t.db);
  AccountMail mail(store, users, {"https://x.test", 3600, 600});
  (void)gd::testing::run(t.ioc, new_user(users, "ada@x.test"));
  const auto sent = gd::testing::run(t.ioc, [&]() -> Task<std::vector<Message>> {
    co_await mail.request({Kind::kPasswordReset, std::nullopt, "nobody@x.test", {}, "de"});
    co_await mail.request({Kind::kPasswordReset, std::nullopt, "ada@x.test", {}, "de"});
    co_return co_await compose_all(store, mail);
  }());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "ada@x.test");
  EXPECT_NE(sent[0].text.find("https://x.test/reset-password#token="), std::string::npos);
  const auto token = token_of(sent[0]);
  EXPECT_TRUE(gd::testing::run(t.ioc, mail.reset_token_valid(token)));
  EXPECT_EQ(gd::testing::run(t.ioc, code_of(mail.use_reset_token(token))), std::nullopt);
  EXPECT_EQ(gd::testing::run(t.ioc, code_of(mail.use_reset_token(token))),
            ErrorCode::kResetTokenInvalid);
}

TEST(AccountMail, AnEmailChangeToAnAddressTakenMeanwhileIsRefused) {
  gd::testing::TempSqlite t;
  users::UserStore users(*t.db);
  MailStore store(*t.db);
  AccountMail mail(store, users, {"https://x.test", 3600, 600});
  const auto ada = gd::testing::run(t.ioc, new_user(users, "ada@x.test"));
  const auto sent = gd::testing::run(t.ioc, [&]() -> Task<std::vector<Message>> {
    co_await mail.request_email_change(ada.id, "new@x.test");
    co_return co_await compose_all(store, mail);
  }());
  ASSERT_EQ(sent.size(), 2u);  // the link to the new address, the notice to the old one
  const auto& link = sent[0].to == "new@x.test" ? sent[0] : sent[1];
  const auto& notice = sent[0].to == "new@x.test" ? sent[1] : sent[0];
  EXPECT_EQ(notice.to, "ada@x.test");
  EXPECT_EQ(notice.text.find("#token="), std::string::npos);
  (void)gd::testing::run(t.ioc, new_user(users, "new@x.test"));
  EXPECT_EQ(gd::testing::run(t.ioc, code_of(mail.verify_email(token_of(link)))),
            ErrorCode::kEmailTaken);
  EXPECT_EQ(gd::testing::run(t.ioc, users.find_by_id(ada.id))->email, "ada@x.test");
}

}  // namespace
}  // namespace gd::mail
