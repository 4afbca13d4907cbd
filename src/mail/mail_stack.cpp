// Assembly of the mail module.
#include "mail/mail_stack.hpp"

#include <spdlog/spdlog.h>

namespace gd::mail {
namespace {

std::unique_ptr<Mailer> make_mailer(const SmtpOptions& smtp) {
  if (smtp.url.empty()) {
    spdlog::info("mail: no --smtp-url; messages are written to this log");
    return std::make_unique<LogMailer>();
  }
  spdlog::info("mail: sending through {} as {}", redacted_smtp_url(smtp.url), smtp.from);
  return std::make_unique<SmtpMailer>(smtp);
}

}  // namespace

MailStack::MailStack(db::Database& db, users::UserStore& users, MailConfig config, Metrics& metrics)
    : store_(db),
      mailer_(make_mailer(config.smtp)),
      accounts_(store_, users, config.links),
      worker_(store_, accounts_, *mailer_, config.delivery, metrics),
      part_(store_) {
  accounts_.on_queued([this] { worker_.wake(); });
}

}  // namespace gd::mail
