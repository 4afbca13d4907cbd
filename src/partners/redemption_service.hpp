// Redemptions: spending points on an offer for a discount code (the debit and the code in one
// transaction), a user's redemptions, the partner API's verify and consume, admin refunds.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>
#include "points/ledger.hpp"

#include "auth/rate_limit.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "partners/partner_store.hpp"

namespace gd::partners {

// A code as its partner sees it.
struct Verified {
  Redemption redemption;
  Offer offer;
};

struct RedemptionOptions {
  // Lookups of unknown codes a partner may make (guessing codes), refilling one a second.
  auth::BucketOptions unknown_codes{120, 1.0};
  points::RedeemHoldOptions hold;  // who may not redeem yet (points farming)
};

class RedemptionService {
 public:
  RedemptionService(PartnerStore& store, points::Ledger& ledger, RedemptionOptions options = {})
      : misses_(options.unknown_codes), hold_(options.hold), store_(store), ledger_(ledger) {}
  void attach_metrics(Metrics& m);
  // Unknown-code budgets shared by every process (--redis-url).
  void share_limits(auth::SharedBuckets* shared) { misses_.share(shared, "code-misses"); }

  // OFFER_NOT_FOUND, OFFER_NOT_AVAILABLE (offer or partner inactive), REDEMPTION_ON_HOLD,
  // INSUFFICIENT_POINTS.
  Task<Result<Redemption>> redeem(UserId user, OfferId offer);
  Task<std::vector<Redemption>> mine(UserId user, int limit, After<std::int64_t> after) {
    return store_.redemptions_of(std::move(user.value), limit, std::move(after));
  }
  // `code` in its stored form. Another partner's code, or a refunded one, is CODE_NOT_FOUND.
  // A partner whose lookups keep missing (guessing codes) is RATE_LIMITED for a while:
  // RedemptionOptions::unknown_codes per partner, counted per process.
  Task<Result<Verified>> verify(PartnerId partner, std::string code);
  // active -> used, exactly once: CODE_ALREADY_USED, CODE_EXPIRED otherwise.
  Task<Result<Verified>> consume(PartnerId partner, std::string code);
  // Gives the points of an unused code back (type refund) and retires the code.
  Task<Result<Redemption>> refund(UserId admin, RedemptionId redemption, std::string reason);

 private:
  Task<Result<Verified>> with_offer(Redemption r);
  // CODE_NOT_FOUND, counted against the partner's budget of misses.
  Task<Error> miss(std::string partner_id);

  auth::RateLimiter misses_;
  points::RedeemHoldOptions hold_;

  PartnerStore& store_;
  std::atomic<std::uint64_t>* redemptions_ = nullptr;
  std::atomic<std::uint64_t>* consumed_ = nullptr;
  points::Ledger& ledger_;
};

}  // namespace gd::partners
