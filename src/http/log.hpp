// What the request log lines are made of, shared by the access log (pipeline.cpp), the
// audit lines of the admin routes and the JSON line formatter (app/log_sinks.cpp): escaping
// for JSON log text, the W3C trace context, and the one call that writes an audit line.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "http/types.hpp"

namespace gd::http {

// Appends `text` JSON-escaped (without quotes). Text that is not valid UTF-8 (a raw path, a
// User-Agent) has each byte above 0x7F written as U+FFFD, so every line stays parseable JSON.
void append_log_text(std::string& out, std::string_view text);

// The trace id (32 lowercase hex digits) of a W3C `traceparent` header
// (https://www.w3.org/TR/trace-context/#traceparent-header), or nullopt when the header is
// not valid: version 00 is exactly `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`,
// neither id all zeros; a later version (01..fe) may add fields after a further '-'; ff never.
std::optional<std::string> trace_id_of(std::string_view traceparent);

// The payload of an audit line: a JSON object with the action, the admin's id, the target's
// id and the request id. The "audit" logger (app/log_sinks.cpp) frames it as a line.
std::string audit_fields(std::string_view action, std::string_view admin_id,
                         std::string_view target_id, std::string_view request_id);

// Writes one audit line for an admin action on `target_id` (e.g. "api_key.issue"), naming
// the admin (the request's principal) and the request id.
void audit(const Request& req, std::string_view action, std::string_view target_id);

}  // namespace gd::http
