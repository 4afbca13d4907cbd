-- Idempotency-Key records for money-like POSTs (IETF Idempotency-Key draft): the first
-- response is kept and replayed for 24 hours; keys are scoped to the caller.
CREATE TABLE idempotency_keys (
  user_id      TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,          -- SHA-256 of method, path and body
  state        TEXT NOT NULL,          -- running | done
  status       INTEGER,
  content_type TEXT,
  body         TEXT,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
