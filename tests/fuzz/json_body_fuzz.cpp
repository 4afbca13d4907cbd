// Fuzzes request bodies through the shared JSON reader (core/json.hpp) and the decode and
// validate functions of the route handlers: tasks, applications, rejections, profiles,
// partners, offers, discount codes, redemptions, refunds, admin adjustments, account
// switches, registration, sign-in (password, Google, Apple), refresh and password changes. Nothing
// may crash or leak, and whatever the reader accepts must obey its rule (length in code points, no
// refused characters).
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "auth/auth_routes.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "oauth/oauth_routes.hpp"
#include "partners/partner_routes.hpp"
#include "points/points_routes.hpp"
#include "tasks/task_fields.hpp"
#include "users/user_routes.hpp"

namespace {

void check_string(const std::optional<std::string>& s, gd::json::StringRule rule) {
  if (!s) return;
  const auto n = gd::json::utf8_length(*s);
  if (n < rule.min_chars || n > rule.max_chars) std::abort();
  if (!gd::valid_utf8(*s) || gd::first_refused_char(*s, rule.kind)) std::abort();
}

// Every reader method on every member, as some route could ask for it.
void read_every_member(const boost::json::object& o) {
  gd::json::Reader in(o);
  for (const auto& [key, value] : o) {
    (void)value;
    for (const auto kind : {gd::TextKind::kLine, gd::TextKind::kMultiline, gd::TextKind::kOpaque}) {
      const gd::json::StringRule rule{1, 40, true, kind};
      check_string(in.optional_string(key, rule), rule);
      check_string(in.required_string(key, rule), rule);
    }
    (void)in.optional_int(key, -1000, 1000);
    (void)in.required_int(key, 0, INT64_MAX);
    (void)in.optional_bool(key);
    (void)in.optional_point(key);
  }
  (void)in.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)gd::users::parse_update(body);
  for (const bool creating : {true, false}) {
    (void)gd::partners::read_partner(body, creating);
    (void)gd::partners::read_offer(body, creating);
  }
  (void)gd::partners::read_code(body);
  const auto o = gd::json::parse_object(body);
  if (!o) return 0;
  for (const bool creating : {true, false}) {
    std::optional<std::string> project;
    (void)gd::tasks::read_task_fields(o.value(), creating, 1000, &project);
  }
  if (auto message = gd::tasks::read_application(o.value()))
    check_string(*message, {0, 1000, true, gd::TextKind::kMultiline});
  if (auto reason = gd::tasks::read_rejection(o.value()))
    check_string(*reason, {1, 1000, true, gd::TextKind::kMultiline});
  if (auto adjustment = gd::points::read_adjustment(o.value())) {
    if (adjustment->amount == 0 || adjustment->amount < -1'000'000 ||
        adjustment->amount > 1'000'000)
      std::abort();
    check_string(adjustment->reason, {1, 500, true, gd::TextKind::kMultiline});
  }
  if (auto offer = gd::partners::read_redemption(o.value()); offer && !gd::is_uuid(*offer))
    std::abort();
  if (auto reason = gd::partners::read_refund(o.value()))
    check_string(*reason, {1, 500, true, gd::TextKind::kMultiline});
  (void)gd::users::read_admin_patch(o.value());
  if (auto r = gd::auth::read_registration(o.value())) {
    check_string(r->email, {3, 254, true});
    check_string(r->name, {1, 100, true});
    if (r->email.find('@') == std::string::npos) std::abort();
  }
  (void)gd::auth::read_login(o.value());
  (void)gd::auth::read_refresh_token(o.value());
  (void)gd::auth::read_password_change(o.value());
  for (const auto p : {gd::oauth::Provider::kGoogle, gd::oauth::Provider::kApple}) {
    // Exactly one form; a code always with its redirect URI.
    if (auto r = gd::oauth::read_sign_in(o.value(), p)) {
      if (r->id_token.has_value() == r->code.has_value()) std::abort();
      if (r->code && !r->redirect_uri) std::abort();
      if (r->name && p != gd::oauth::Provider::kApple) std::abort();
      check_string(r->name, {1, 100, true});
    }
  }
  read_every_member(o.value());
  return 0;
}
