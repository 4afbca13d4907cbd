// The mail module assembled: the outbox store, the transport (SMTP when --smtp-url is set,
// else the log), the account mail rules and the delivery worker, and the erasure hook.
#pragma once
#include <memory>

#include "core/metrics.hpp"
#include "mail/account_mail.hpp"
#include "mail/mail_store.hpp"
#include "mail/mail_worker.hpp"
#include "mail/smtp_mailer.hpp"
#include "users/account_part.hpp"
#include "users/user_store.hpp"

namespace gd::mail {

struct MailConfig {
  SmtpOptions smtp;  // smtp.url empty: messages are written to the log
  LinkOptions links;
  DeliveryOptions delivery;
};

// Erasure: the user's link tokens and unsent mail go; the export has nothing of mail.
class MailPart final : public users::AccountPart {
 public:
  explicit MailPart(MailStore& store) : store_(store) {}
  Task<void> export_into(std::string, boost::json::object&) override { co_return; }
  Task<void> erase(std::string user_id) override { co_await store_.erase_user(user_id); }

 private:
  MailStore& store_;
};

class MailStack {
 public:
  MailStack(db::Database& db, users::UserStore& users, MailConfig config, Metrics& metrics);
  AccountMail& accounts() { return accounts_; }
  MailWorker& worker() { return worker_; }
  MailPart& part() { return part_; }

 private:
  MailStore store_;
  std::unique_ptr<Mailer> mailer_;
  AccountMail accounts_;
  MailWorker worker_;
  MailPart part_;
};

}  // namespace gd::mail
