// Sends queued push deliveries: claims due rows (a lease, so processes sharing the database
// split the work and a crashed sender's rows come back), sends each through its platform's
// adapter off the I/O threads, and then deletes the row (delivered, failed, gone: the device
// too) or schedules the next attempt with exponential back-off and jitter.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "core/async.hpp"
#include "core/metrics.hpp"
#include "core/periodic.hpp"
#include "push/device_store.hpp"
#include "push/sender.hpp"

namespace gd::push {

struct DeliveryOptions {
  int poll_ms = 250;
  int max_attempts = 8;            // then the message is dropped
  int retry_base_ms = 1'000;       // first retry after about this long, doubling
  int retry_max_ms = 3'600'000;    // at most this long between attempts
  int lease_ms = 60'000;           // longer than any one send (the HTTP total timeout)
  std::size_t max_in_flight = 64;  // sends at once per process
};

class DeliveryWorker {
 public:
  DeliveryWorker(DeviceStore& store, DeliveryOptions options, Metrics& metrics);
  // An adapter per configured platform; a delivery for another platform is dropped.
  void set_sender(Platform p, PushSender* sender);

  // Claims due deliveries and starts sending them; returns whether it should run again.
  Task<bool> step();
  void start(boost::asio::any_io_executor ex);
  void stop();

  // The delay before attempt `attempts + 1`, between half and all of base * 2^(attempts-1).
  static std::int64_t backoff_ms(const DeliveryOptions& o, int attempts, double jitter01);

 private:
  static Task<void> deliver(DeliveryWorker* self, Delivery d);
  Task<void> settle(const Delivery& d, const SendResult& r);

  DeviceStore& store_;
  DeliveryOptions options_;
  std::array<PushSender*, 3> senders_{};
  std::array<std::array<std::atomic<std::uint64_t>*, 4>, 3> attempts_{};
  std::array<Histogram*, 3> latency_{};
  std::atomic<std::uint64_t>& dropped_;
  std::atomic<std::uint64_t>& devices_removed_;
  // Shared with the sends in flight: a send whose coroutine frame is destroyed at shutdown
  // (its io_context gone) still releases its slot after this worker is gone.
  std::shared_ptr<std::atomic<std::size_t>> in_flight_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  boost::asio::any_io_executor ex_;
  Periodic loop_;
};

}  // namespace gd::push
