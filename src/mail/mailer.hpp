// Outgoing email: the message, the one interface every transport implements, and the
// transport used when no SMTP server is configured (the whole message goes to the log, so a
// single-node installation can still complete verification and password reset).
#pragma once
#include <cstdint>
#include <string>

#include "core/async.hpp"

namespace gd::mail {

struct Message {
  std::string to;  // one addr-spec, already validated (no CR/LF, one @)
  std::string subject;
  std::string text;  // the plain-text part
  std::string html;  // the HTML part
};

struct SendResult {
  enum class Kind { kSent, kRetry, kFailed };  // kFailed: the server refused for good
  Kind kind = Kind::kSent;
  std::string detail;
  static SendResult sent() { return {Kind::kSent, {}}; }
  static SendResult retry(std::string why) { return {Kind::kRetry, std::move(why)}; }
  static SendResult failed(std::string why) { return {Kind::kFailed, std::move(why)}; }
};
std::string_view outcome_name(SendResult::Kind k);

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Never blocks the calling I/O thread.
  virtual Task<SendResult> send(Message m) = 0;
};

class LogMailer final : public Mailer {
 public:
  Task<SendResult> send(Message m) override;
};

// The message as RFC 5322 / MIME text (CRLF lines): multipart/alternative with the text and
// the HTML part, each UTF-8 in base64; a non-ASCII subject as an RFC 2047 encoded word.
// `from` is the From header as configured ("Good Deeds <noreply@example.org>" or a bare
// address); `message_id` is the local part of the Message-ID.
std::string to_rfc5322(const Message& m, std::string_view from, std::int64_t date_ms,
                       std::string_view message_id);
// The addr-spec of a From header: the part inside <...>, or the whole trimmed value.
std::string envelope_address(std::string_view from);
// "Thu, 03 Dec 2026 16:11:56 +0000" (RFC 5322 date-time, UTC).
std::string rfc5322_date(std::int64_t epoch_ms);
// Base64 (standard alphabet, padded) in lines of at most 76 characters, CRLF-separated.
std::string base64_lines(std::string_view bytes);

}  // namespace gd::mail
