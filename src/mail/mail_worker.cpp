// The mail delivery loop.
#include "mail/mail_worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cmath>
#include <random>

#include "core/clock.hpp"

namespace gd::mail {
namespace {

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

MailWorker::MailWorker(MailStore& store, AccountMail& composer, Mailer& mailer,
                       DeliveryOptions options, Metrics& metrics)
    : store_(store),
      composer_(composer),
      mailer_(mailer),
      options_(options),
      dropped_(metrics.counter("gooddeeds_mail_dropped_total",
                               "Mail given up after the last attempt or refused for good.")),
      skipped_(metrics.counter(
          "gooddeeds_mail_skipped_total",
          "Mail requests with nothing to send (no such account, address taken or verified).")),
      loop_("mail delivery", std::chrono::milliseconds(options.poll_ms),
            [this] { return step(); }) {
  for (auto k : {SendResult::Kind::kSent, SendResult::Kind::kRetry, SendResult::Kind::kFailed}) {
    attempts_[static_cast<int>(k)] =
        &metrics.counter("gooddeeds_mail_attempts_total", "Mail send attempts by outcome.",
                         "outcome=\"" + std::string(outcome_name(k)) + "\"");
  }
}

std::int64_t MailWorker::backoff_ms(const DeliveryOptions& o, int attempts, double jitter01) {
  const int doublings = std::clamp(attempts - 1, 0, 30);
  const double full = std::min(static_cast<double>(o.retry_max_ms),
                               static_cast<double>(o.retry_base_ms) * std::pow(2.0, doublings));
  return static_cast<std::int64_t>(full / 2 + full / 2 * jitter01);
}

Task<bool> MailWorker::step() {
  const std::size_t busy = in_flight_->load();
  if (busy >= options_.max_in_flight) co_return false;
  auto batch = co_await store_.claim(options_.max_in_flight - busy, now_ms(), options_.lease_ms);
  for (auto& row : batch) {
    ++*in_flight_;
    boost::asio::co_spawn(ex_, deliver(this, std::move(row)), boost::asio::detached);
  }
  co_return !batch.empty() && in_flight_->load() < options_.max_in_flight;
}

Task<void> MailWorker::deliver(MailWorker* self, OutboxRow row) {
  struct Release {
    std::shared_ptr<std::atomic<std::size_t>> n;
    ~Release() { --*n; }
  } release{self->in_flight_};
  try {
    std::optional<Message> m;
    if (row.composed)
      m = Message{row.recipient, row.subject, row.text, row.html};
    else
      m = co_await self->composer_.compose(row);
    if (!m) {
      self->skipped_.fetch_add(1, std::memory_order_relaxed);
      co_await self->store_.done(row.id);
      co_return;
    }
    SendResult r;
    try {
      r = co_await self->mailer_.send(std::move(*m));
    } catch (const std::exception& e) {
      r = SendResult::retry(std::string("send failed: ") + e.what());
    }
    self->attempts_[static_cast<int>(r.kind)]->fetch_add(1, std::memory_order_relaxed);
    co_await self->settle(row, r);
  } catch (const std::exception& e) {
    // The lease runs out and the row is tried again: at least once.
    spdlog::warn("mail {}: could not compose or record the outcome: {}", row.id, e.what());
  }
}

Task<void> MailWorker::settle(const OutboxRow& row, const SendResult& r) {
  const std::string_view kind = kind_name(row.request.kind);
  switch (r.kind) {
    case SendResult::Kind::kSent:
      spdlog::debug("mail {} ({}) sent", row.id, kind);
      co_await store_.done(row.id);
      co_return;
    case SendResult::Kind::kFailed:
      spdlog::warn("mail {} ({}) refused: {}", row.id, kind, r.detail);
      dropped_.fetch_add(1, std::memory_order_relaxed);
      co_await store_.done(row.id);
      co_return;
    case SendResult::Kind::kRetry:
      break;
  }
  if (row.attempts >= options_.max_attempts) {
    spdlog::warn("mail {} ({}) dropped after {} attempts: {}", row.id, kind, row.attempts,
                 r.detail);
    dropped_.fetch_add(1, std::memory_order_relaxed);
    co_await store_.done(row.id);
    co_return;
  }
  spdlog::info("mail {} ({}) attempt {} failed, retrying: {}", row.id, kind, row.attempts,
               r.detail);
  co_await store_.reschedule(row.id, now_ms() + backoff_ms(options_, row.attempts, jitter()),
                             r.detail.substr(0, 500));
}

void MailWorker::start(boost::asio::any_io_executor ex) {
  ex_ = ex;
  loop_.start(std::move(ex));
}

void MailWorker::stop() {
  loop_.stop();
}

}  // namespace gd::mail
