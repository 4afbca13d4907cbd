// Persistence of users, written once over db::Database for both back ends.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "core/result.hpp"
#include "store/db.hpp"
#include "users/user.hpp"

namespace gd::db {
class BatchedLookup;
}

namespace gd::users {

struct NewUser {
  std::optional<std::string> email;          // already trimmed and lowercased; none: not known
  std::optional<std::string> password_hash;  // none: signs in only through a provider
  std::string name;
  Roles roles = {Role::kUser};
  std::string locale = "en";                         // from the registration's Accept-Language
  std::optional<std::int64_t> email_verified_at_ms;  // a provider vouched for the email
};

struct ProfileUpdate {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> bio;         // set to null clears it
  std::optional<std::optional<std::string>> avatar_url;  // set to null clears it
  std::optional<std::optional<GeoPoint>> location;
  std::optional<std::string> locale;  // de | en
  bool empty() const { return !name && !bio && !avatar_url && !location && !locale; }
};

// What a link sent to an address proves (UserStore::prove_email_in).
enum class EmailProof { kVerified, kNoMatch, kTaken };

class UserStore {
 public:
  explicit UserStore(db::Database& db);
  ~UserStore();

  Task<std::optional<User>> find_by_id(std::string id);
  Task<std::optional<User>> find_by_email(std::string email_lower);
  Task<Result<User>> create(NewUser u);  // EMAIL_TAKEN on a duplicate
  Task<std::optional<User>> update_profile(std::string id, ProfileUpdate update);
  Task<void> set_password_hash(std::string id, std::string hash);
  Task<void> set_roles(std::string id, Roles roles);
  // An admin's (de)activation; nullopt for an unknown or erased user.
  Task<std::optional<User>> set_active(std::string id, bool active);
  // Whether an active account with the admin role exists (serve's first-run hint).
  Task<bool> any_admin();
  // GDPR erasure: personal data removed, the row kept (anonymised) for ledger references.
  Task<bool> erase(std::string id);
  // find_by_email() in the caller's transaction.
  static Task<std::optional<User>> find_by_email_in(db::Tx& tx, std::string email_lower);
  // create() in the caller's transaction; a duplicate email throws db::DbError (unique).
  static Task<User> create_in(db::Tx& tx, NewUser u);
  // The email is now proven its owner's (a provider vouched for it). With `drop_password` the
  // password hash goes too: whoever set it never proved the address (docs/auth.md).
  static Task<void> prove_email_in(db::Tx& tx, std::string id, std::int64_t now_ms,
                                   bool drop_password);
  // One more task completed as a helper (their confirmed reward), in the caller's transaction.
  static Task<void> count_completed_task(db::Tx& tx, std::string id);
  // The user's language for notifications, read in the caller's transaction ("en" for an
  // unknown id).
  static Task<std::string> locale_in(db::Tx& tx, std::string id);
  // A verification link sent to `email` was used, in the caller's transaction: with
  // `replace`, `email` becomes the account's address (an email change); without, it must
  // still be the account's address (kNoMatch otherwise). Either way it counts as verified
  // from `now`. kTaken: another account has the address; kNoMatch also for an erased user.
  static Task<EmailProof> prove_email_in(db::Tx& tx, std::string id, std::string email,
                                         bool replace, std::int64_t now);

 private:
  db::Database& db_;
  std::unique_ptr<db::BatchedLookup> by_id_;  // PostgreSQL only
};

}  // namespace gd::users
