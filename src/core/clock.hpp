// Time helpers: milliseconds since the epoch and ISO-8601 UTC formatting.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gd {

std::int64_t now_ms();
// 2026-11-22T10:00:00.000Z
std::string iso8601_ms(std::int64_t epoch_ms);
void append_iso8601_ms(std::string& out, std::int64_t epoch_ms);
std::optional<std::int64_t> parse_iso8601_ms(std::string_view s);

}  // namespace gd
