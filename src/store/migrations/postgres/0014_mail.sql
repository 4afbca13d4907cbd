-- Accounts by email (docs/auth.md, "Email verification and password reset"): the single-use
-- tokens of verification, email-change and password-reset links, and the outbox of mail.
--
-- A token is stored only as the hex SHA-256 of the 256-bit value in the link. `email` is the
-- address the link was sent to: for 'verify' it must still be the account's address when the
-- link is used, for 'email_change' it becomes the account's address, for 'password_reset' it
-- must still be the account's address.
CREATE TABLE mail_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'email_change', 'password_reset')),
  email      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);
CREATE INDEX mail_tokens_user ON mail_tokens (user_id);

-- One row per message, written in the transaction of whatever caused it. A row starts as a
-- request (`kind` and its inputs: user_id, recipient, params as JSON); the mail worker leases
-- due rows by moving next_attempt_at ahead, composes a request into the message (subject and
-- bodies filled in, a token created where the message carries a link) or drops it when there
-- is nothing to send, sends it and deletes the row.
CREATE TABLE mail_outbox (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  user_id         TEXT,
  recipient       TEXT,
  params          TEXT,
  subject         TEXT,
  body_text       TEXT,
  body_html       TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
