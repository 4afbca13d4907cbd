// SMTP through libcurl (docs/architecture.md, "Dependencies and why"): one worker thread of
// its own sends the queued messages with curl's easy interface, so no I/O thread ever waits
// on a mail server. smtps:// is TLS from the first byte; smtp:// must upgrade with STARTTLS,
// except to a loopback host (a local relay, the tests), where STARTTLS is used when offered.
#pragma once
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <string>

#include "mail/mailer.hpp"

namespace gd::mail {

struct SmtpOptions {
  std::string url;                                      // smtp[s]://[user[:password]@]host[:port]
  std::string from = "Good Deeds <noreply@localhost>";  // the From header; its address is the
                                                        // envelope sender
  int connect_timeout_ms = 10'000;
  int total_timeout_ms = 60'000;
  std::string ca_file;          // CA bundle for TLS (empty: the system's)
  std::size_t max_queued = 64;  // messages waiting for the thread; beyond, a send is retried later
};

// Throws std::invalid_argument for a URL that is not smtp[s]://host[:port] with an optional
// user and password.
void check_smtp_url(const std::string& url);
// The URL without its password, for logs.
std::string redacted_smtp_url(const std::string& url);

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpOptions options);
  ~SmtpMailer() override;  // sends nothing more; what is queued ends with a retry result
  SmtpMailer(const SmtpMailer&) = delete;
  SmtpMailer& operator=(const SmtpMailer&) = delete;

  // Queues the message; `done` runs on the worker thread.
  void start(Message m, std::function<void(SendResult)> done);

  Task<SendResult> send(Message m) override {
    auto initiate = [this](auto handler, Message msg) {
      auto shared = std::make_shared<decltype(handler)>(std::move(handler));
      start(std::move(msg), [shared](SendResult r) mutable {
        auto ex = boost::asio::get_associated_executor(*shared);
        boost::asio::dispatch(ex, [shared, r = std::move(r)]() mutable { std::move (*shared)(r); });
      });
    };
    co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                   void(SendResult)>(
        std::move(initiate), boost::asio::use_awaitable, std::move(m));
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gd::mail
