-- Daily and monthly active users (docs/operations.md, "Monitoring"): the UTC day (days since
-- 1970-01-01) of the account's latest authenticated request. Written at most once per user per
-- day by each process (users/activity.cpp), counted from here at scrape time, so several
-- processes on one database report the same numbers.
ALTER TABLE users ADD COLUMN last_seen_day INTEGER;
CREATE INDEX users_last_seen_day ON users (last_seen_day);
