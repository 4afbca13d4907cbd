-- Sessions that run out are ended like revoked ones (revoked_reason 'expired'), so that their
-- devices go with them (the trigger of 0010); the periodic sweep finds them by this index.
CREATE INDEX sessions_live_expiry ON sessions (expires_at) WHERE revoked_at IS NULL;
