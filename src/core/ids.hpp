// UUIDs: generation (v4 and time-ordered v7) and validation of the canonical lowercase form.
#pragma once
#include <string>
#include <string_view>
#include <utility>

namespace gd {

std::string uuid_v4();
std::string uuid_v7();  // time-ordered: good B-tree locality for primary keys
// A v4-shaped id from a per-thread PRNG seeded once from the CSPRNG: unique, cheap (no
// system call), not secret. For request ids, never for tokens or anything guessable.
std::string fast_id();
// True for the canonical lowercase 8-4-4-4-12 hex form with a valid version (1-8) nibble.
bool is_uuid(std::string_view s);

// Ids that travel side by side get a type each, so that a task id passed where a user id is
// expected does not compile. The value is the id's canonical text.
template <class Tag>
struct TypedId {
  std::string value;
  TypedId() = default;
  explicit TypedId(std::string v) : value(std::move(v)) {}
  friend bool operator==(const TypedId&, const TypedId&) = default;
};
using UserId = TypedId<struct UserIdTag>;
using TaskId = TypedId<struct TaskIdTag>;
using ApplicationId = TypedId<struct ApplicationIdTag>;
using ProjectId = TypedId<struct ProjectIdTag>;
using PartnerId = TypedId<struct PartnerIdTag>;
using OfferId = TypedId<struct OfferIdTag>;
using RedemptionId = TypedId<struct RedemptionIdTag>;
using ApiKeyId = TypedId<struct ApiKeyIdTag>;
using SessionId = TypedId<struct SessionIdTag>;

}  // namespace gd
