// UUIDs: generation (v4 and time-ordered v7) and validation of the canonical lowercase form.
#pragma once
#include <string>
#include <string_view>

namespace gd {

std::string uuid_v4();
std::string uuid_v7();  // time-ordered: good B-tree locality for primary keys
// A v4-shaped id from a per-thread PRNG seeded once from the CSPRNG: unique, cheap (no
// system call), not secret. For request ids, never for tokens or anything guessable.
std::string fast_id();
// True for the canonical lowercase 8-4-4-4-12 hex form with a valid version (1-8) nibble.
bool is_uuid(std::string_view s);

}  // namespace gd
