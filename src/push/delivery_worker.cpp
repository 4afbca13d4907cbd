// The push delivery loop.
#include "push/delivery_worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cmath>
#include <random>

#include "core/clock.hpp"

namespace gd::push {
namespace {

std::size_t index(Platform p) {
  return static_cast<std::size_t>(p);
}

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

DeliveryWorker::DeliveryWorker(DeviceStore& store, DeliveryOptions options, Metrics& metrics)
    : store_(store),
      options_(options),
      dropped_(metrics.counter("gooddeeds_push_dropped_total",
                               "Push messages dropped after the last attempt or a rejection.")),
      devices_removed_(metrics.counter("gooddeeds_push_devices_removed_total",
                                       "Devices removed because their push service said gone.")),
      loop_("push delivery", std::chrono::milliseconds(options.poll_ms),
            [this] { return step(); }) {
  for (auto p : {Platform::kWebPush, Platform::kFcm, Platform::kApns}) {
    const std::string platform = "platform=\"" + std::string(platform_name(p)) + "\"";
    for (auto k : {SendResult::Kind::kDelivered, SendResult::Kind::kRetry, SendResult::Kind::kGone,
                   SendResult::Kind::kFailed}) {
      attempts_[index(p)][static_cast<std::size_t>(k)] = &metrics.counter(
          "gooddeeds_push_attempts_total", "Push send attempts by platform and outcome.",
          platform + ",outcome=\"" + std::string(outcome_name(k)) + "\"");
    }
  }
  for (auto p : {Platform::kWebPush, Platform::kFcm, Platform::kApns}) {
    latency_[index(p)] =
        &metrics.histogram("gooddeeds_push_delivery_seconds",
                           "Time from queueing a push message to the push service accepting it.",
                           "platform=\"" + std::string(platform_name(p)) + "\"",
                           {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600});
  }
}

void DeliveryWorker::set_sender(Platform p, PushSender* sender) {
  senders_[index(p)] = sender;
}

std::int64_t DeliveryWorker::backoff_ms(const DeliveryOptions& o, int attempts, double jitter01) {
  const int doublings = std::clamp(attempts - 1, 0, 30);
  const double full = std::min(static_cast<double>(o.retry_max_ms),
                               static_cast<double>(o.retry_base_ms) * std::pow(2.0, doublings));
  return static_cast<std::int64_t>(full / 2 + full / 2 * jitter01);
}

Task<bool> DeliveryWorker::step() {
  const std::size_t busy = in_flight_->load();
  if (busy >= options_.max_in_flight) co_return false;
  auto batch = co_await store_.claim(options_.max_in_flight - busy, now_ms(), options_.lease_ms);
  for (auto& d : batch) {
    ++*in_flight_;
    boost::asio::co_spawn(ex_, deliver(this, std::move(d)), boost::asio::detached);
  }
  co_return !batch.empty() && in_flight_->load() < options_.max_in_flight;
}

Task<void> DeliveryWorker::deliver(DeliveryWorker* self, Delivery d) {
  struct Release {
    std::shared_ptr<std::atomic<std::size_t>> n;
    ~Release() { --*n; }
  } release{self->in_flight_};
  SendResult r;
  PushSender* sender = self->senders_[index(d.device.platform)];
  try {
    if (!sender)
      r = SendResult::failed("platform not configured");
    else
      r = co_await sender->send(d.device, message_from_json(d.payload));
  } catch (const std::exception& e) {
    r = SendResult::retry(std::string("send failed: ") + e.what());
  }
  self->attempts_[index(d.device.platform)][static_cast<std::size_t>(r.kind)]->fetch_add(
      1, std::memory_order_relaxed);
  try {
    co_await self->settle(d, r);
  } catch (const std::exception& e) {
    // The lease runs out and the delivery is tried again: at least once.
    spdlog::warn("push delivery {}: could not record the outcome: {}", d.id, e.what());
  }
}

Task<void> DeliveryWorker::settle(const Delivery& d, const SendResult& r) {
  using Kind = SendResult::Kind;
  const std::string platform(platform_name(d.device.platform));
  switch (r.kind) {
    case Kind::kDelivered:
      latency_[index(d.device.platform)]->observe(static_cast<double>(now_ms() - d.created_at_ms) /
                                                  1000.0);
      co_await store_.done(d.id);
      co_return;
    case Kind::kGone:
      spdlog::info("push: {} device {} is gone ({}); removed", platform, d.device.id, r.detail);
      devices_removed_.fetch_add(1, std::memory_order_relaxed);
      co_await store_.remove_device(d.device.id);  // its deliveries go with it
      co_return;
    case Kind::kFailed:
      spdlog::warn("push: {} delivery {} rejected: {}", platform, d.id, r.detail);
      dropped_.fetch_add(1, std::memory_order_relaxed);
      co_await store_.done(d.id);
      co_return;
    case Kind::kRetry:
      break;
  }
  if (d.attempts >= options_.max_attempts) {
    spdlog::warn("push: {} delivery {} dropped after {} attempts: {}", platform, d.id, d.attempts,
                 r.detail);
    dropped_.fetch_add(1, std::memory_order_relaxed);
    co_await store_.done(d.id);
    co_return;
  }
  std::int64_t delay = backoff_ms(options_, d.attempts, jitter());
  if (r.retry_after_s) delay = std::max<std::int64_t>(delay, std::int64_t{*r.retry_after_s} * 1000);
  co_await store_.reschedule(d.id, now_ms() + delay, r.detail.substr(0, 500));
}

void DeliveryWorker::start(boost::asio::any_io_executor ex) {
  ex_ = ex;
  loop_.start(std::move(ex));
}

void DeliveryWorker::stop() {
  loop_.stop();
}

}  // namespace gd::push
