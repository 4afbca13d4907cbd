// GET /notifications, POST /notifications/{id}/read, POST /notifications/read-all, and the
// feed's part in a user's data export and erasure.
#pragma once
#include "core/page.hpp"
#include "http/types.hpp"
#include "notifications/notification_service.hpp"
#include "users/account_part.hpp"

namespace gd::notifications {

void add_routes(http::RouteTable& routes, NotificationService& service, const CursorCodec& cursors);

class NotificationsPart final : public users::AccountPart {
 public:
  explicit NotificationsPart(NotificationService& service) : service_(service) {}
  Task<void> export_into(std::string user_id, boost::json::object& doc) override;
  Task<void> erase(std::string user_id) override {
    return service_.erase(UserId(std::move(user_id)));
  }

 private:
  NotificationService& service_;
};

}  // namespace gd::notifications
