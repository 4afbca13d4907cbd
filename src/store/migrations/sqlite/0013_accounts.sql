-- Accounts by more than a password (docs/auth.md): when the account's email was proven to be
-- its owner's (a verification link, or a provider that vouches for it), and the sign-in
-- identities (provider, subject) linked to a user. The never-used single identity columns of
-- 0001 (users.oauth_provider/oauth_id) stay empty; identities replace them.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;

CREATE TABLE identities (
  provider   TEXT NOT NULL CHECK (provider IN ('google', 'apple')),
  subject    TEXT NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users (id),
  email      TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_user ON identities (user_id);
