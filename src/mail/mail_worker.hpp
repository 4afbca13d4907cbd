// Sends the mail outbox: claims due rows (a lease, so processes sharing the database split
// the work and a crashed sender's rows come back), composes a request into its message once,
// sends it through the Mailer off the I/O threads, and then deletes the row (sent, refused
// for good, nothing to send) or schedules the next attempt with exponential back-off.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "core/async.hpp"
#include "core/metrics.hpp"
#include "core/periodic.hpp"
#include "mail/account_mail.hpp"
#include "mail/mail_store.hpp"
#include "mail/mailer.hpp"

namespace gd::mail {

struct DeliveryOptions {
  int poll_ms = 1'000;
  int max_attempts = 10;          // then the message is dropped
  int retry_base_ms = 5'000;      // first retry after about this long, doubling
  int retry_max_ms = 3'600'000;   // at most this long between attempts
  int lease_ms = 120'000;         // longer than any one send (the SMTP total timeout)
  std::size_t max_in_flight = 8;  // sends at once per process
};

class MailWorker {
 public:
  MailWorker(MailStore& store, AccountMail& composer, Mailer& mailer, DeliveryOptions options,
             Metrics& metrics);

  // Claims due rows and starts sending them; returns whether it should run again at once.
  Task<bool> step();
  void start(boost::asio::any_io_executor ex);
  void wake() { loop_.wake(); }
  void stop();

  // The delay before attempt `attempts + 1`, between half and all of base * 2^(attempts-1).
  static std::int64_t backoff_ms(const DeliveryOptions& o, int attempts, double jitter01);

 private:
  static Task<void> deliver(MailWorker* self, OutboxRow row);
  Task<void> settle(const OutboxRow& row, const SendResult& r);

  MailStore& store_;
  AccountMail& composer_;
  Mailer& mailer_;
  DeliveryOptions options_;
  std::atomic<std::uint64_t>* attempts_[3] = {};  // by SendResult::Kind
  std::atomic<std::uint64_t>& dropped_;
  std::atomic<std::uint64_t>& skipped_;
  // Shared with the sends in flight: a send whose coroutine frame is destroyed at shutdown
  // still releases its slot after this worker is gone.
  std::shared_ptr<std::atomic<std::size_t>> in_flight_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  boost::asio::any_io_executor ex_;
  Periodic loop_;
};

}  // namespace gd::mail
