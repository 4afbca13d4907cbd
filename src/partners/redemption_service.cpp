// Redemption rules. The debit (Ledger::post's conditional update of the balance) and the code
// are written in one transaction: a redemption leaves both or neither, and concurrent
// redemptions by one user can never spend more than the balance.
#include "partners/redemption_service.hpp"

#include <spdlog/spdlog.h>

#include <cassert>
#include <stdexcept>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "notifications/notification_service.hpp"
#include "partners/code.hpp"
#include "points/ledger.hpp"

namespace gd::partners {
namespace {

constexpr int kCodeAttempts = 5;  // 60-bit codes: a second attempt is already rare

Error code_not_found() {
  return make_error(ErrorCode::kCodeNotFound, "No such discount code for this partner.");
}

Error too_many(int seconds) {
  Error e = make_error(ErrorCode::kRateLimited, "Too many unknown codes; try again later.");
  e.retry_after_s = seconds;
  return e;
}

Error with_status(ErrorCode code, std::string detail, CodeStatus status) {
  Error e = make_error(code, std::move(detail));
  e.extra_json = "\"currentStatus\":\"" + std::string(code_status_name(status)) + "\"";
  return e;
}

void bump(std::atomic<std::uint64_t>* c) {
  if (c) c->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

void RedemptionService::attach_metrics(Metrics& m) {
  redemptions_ = &m.counter("gooddeeds_redemptions_total", "Offers redeemed for discount codes.");
  consumed_ = &m.counter("gooddeeds_redemptions_consumed_total",
                         "Discount codes consumed through the partner API.");
}

namespace {

Error on_hold(const points::RedeemHold& hold) {
  auto e = make_error(ErrorCode::kRedemptionOnHold,
                      hold.reason == points::HoldReason::kAccountTooNew
                          ? "New accounts can redeem points a few days after signing up."
                          : "Points earned from one neighbour only can be redeemed once you have "
                            "helped more people.");
  e.extra_json = "\"reason\":\"" + std::string(points::hold_reason_name(hold.reason)) + "\"";
  if (hold.until_ms) e.extra_json += ",\"heldUntil\":\"" + iso8601_ms(*hold.until_ms) + "\"";
  return e;
}

}  // namespace

Task<Result<Redemption>> RedemptionService::redeem(UserId user, OfferId offer) {
  const std::string& user_id = user.value;
  const std::string& offer_id = offer.value;
  auto result =
      co_await store_.db().transaction<Redemption>([&](db::Tx& tx) -> Task<Result<Redemption>> {
        auto found =
            co_await PartnerStore::offer_for_redemption(tx, offer_id, store_.db().dialect());
        if (!found) co_return make_error(ErrorCode::kOfferNotFound, "No such offer.");
        const auto& [offer, partner_active] = *found;
        if (!offer.is_active || !partner_active)
          co_return make_error(ErrorCode::kOfferNotAvailable, "This offer is no longer available.");
        if (auto hold = co_await points::Ledger::redeem_hold(tx, user, hold_))
          co_return on_hold(*hold);
        Redemption r;
        r.id = uuid_v7();
        r.user_id = user_id;
        r.partner_id = offer.partner_id;
        r.offer_id = offer.id;
        r.points_spent = offer.points_cost;
        r.status = CodeStatus::kActive;
        r.created_at_ms = r.updated_at_ms = now_ms();
        r.expires_at_ms = r.created_at_ms + offer.valid_days * points::kDayMs;
        // The code first, the debit last: the debit's row lock on the balance is then held
        // only until the commit, which is what bounds concurrent redemptions by one user.
        bool issued = false;
        for (int attempt = 0; attempt < kCodeAttempts && !issued; ++attempt) {
          r.code = new_discount_code();
          issued = co_await PartnerStore::insert_redemption(tx, r);
        }
        if (!issued) throw std::runtime_error("no free discount code after several attempts");
        points::LedgerEntry debit;
        debit.user_id = user_id;
        debit.amount = -offer.points_cost;
        debit.type = "redemption";
        debit.redemption_id = r.id;
        debit.created_at_ms = r.created_at_ms;
        if (!co_await ledger_.post(tx, debit))
          co_return make_error(ErrorCode::kInsufficientPoints,
                               "The balance is lower than the offer's " +
                                   std::to_string(offer.points_cost) + " points.");
        co_return r;
      });
  if (result) {
    bump(redemptions_);
  }
  co_return result;
}

Task<Result<Verified>> RedemptionService::with_offer(Redemption r) {
  auto offer = co_await store_.offer(r.offer_id);
  assert(offer && "a redemption's offer is never deleted");
  co_return Verified{std::move(r), std::move(*offer)};
}

Task<Error> RedemptionService::miss(std::string partner_id) {
  co_await misses_.consume(std::move(partner_id));
  co_return code_not_found();
}

Task<Result<Verified>> RedemptionService::verify(PartnerId partner, std::string code) {
  const std::string& partner_id = partner.value;
  if (const int wait = co_await misses_.check(partner_id)) co_return too_many(wait);
  auto r = co_await store_.redemption_by_code(std::move(code));
  if (!r || r->partner_id != partner_id || r->status == CodeStatus::kRefunded)
    co_return co_await miss(partner_id);
  co_return co_await with_offer(std::move(*r));
}

Task<Result<Verified>> RedemptionService::consume(PartnerId partner, std::string code) {
  const std::string& partner_id = partner.value;
  const auto now = now_ms();
  if (const int wait = co_await misses_.check(partner_id)) co_return too_many(wait);
  auto used = co_await store_.consume(partner_id, code, now);
  if (used) {
    bump(consumed_);
    co_return co_await with_offer(std::move(*used));
  }
  // Nothing changed: say why, from the row as it is now.
  auto r = co_await store_.redemption_by_code(std::move(code));
  if (!r || r->partner_id != partner_id || r->status == CodeStatus::kRefunded)
    co_return co_await miss(partner_id);
  const auto status = r->status_at(now);
  if (status == CodeStatus::kUsed)
    co_return with_status(ErrorCode::kCodeAlreadyUsed,
                          "This code was used at " + iso8601_ms(r->used_at_ms.value_or(0)) + ".",
                          status);
  co_return with_status(ErrorCode::kCodeExpired,
                        "This code expired at " + iso8601_ms(r->expires_at_ms) + ".", status);
}

Task<Result<Redemption>> RedemptionService::refund(UserId admin, RedemptionId redemption,
                                                   std::string reason) {
  const std::string& admin_id = admin.value;
  const std::string& id = redemption.value;
  auto result =
      co_await store_.db().transaction<Redemption>([&](db::Tx& tx) -> Task<Result<Redemption>> {
        auto r = co_await PartnerStore::redemption(tx, id);
        if (!r) co_return make_error(ErrorCode::kRedemptionNotFound, "No such redemption.");
        const auto now = now_ms();
        if (!co_await PartnerStore::mark_refunded(tx, id, now)) {
          r = co_await PartnerStore::redemption(tx, id);  // as the conditional write saw it
          co_return with_status(ErrorCode::kRedemptionNotRefundable,
                                "Only an unused code can be refunded.", r->status_at(now));
        }
        points::LedgerEntry credit;
        credit.user_id = r->user_id;
        credit.amount = r->points_spent;
        credit.type = "refund";
        credit.redemption_id = r->id;
        credit.actor_id = admin_id;
        credit.note = reason;
        credit.created_at_ms = now;
        if (!co_await ledger_.post(tx, credit))
          co_return make_error(ErrorCode::kConflict, "The refund could not be credited.");
        co_await notifications::NotificationService::add_in(
            tx, UserId(r->user_id), notifications::Type::kRedemptionRefunded,
            {.redemption_id = r->id, .points = r->points_spent, .reason = reason});
        r->status = CodeStatus::kRefunded;
        r->updated_at_ms = now;
        co_return std::move(*r);
      });
  if (result) {
    spdlog::info("admin {} refunded redemption {} ({} points): {}", admin_id, id,
                 result->points_spent, reason);
  }
  co_return result;
}

}  // namespace gd::partners
