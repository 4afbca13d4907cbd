-- The ledger as a chain. Every row carries its place in its user's ledger (seq: 1, 2, 3, ...)
-- and the balance after it, so that "balance = sum of the rows" is checked on every write in
-- O(1): the previous row's balance_after plus the new amount must be the new balance.
-- users.ledger_seq is the last seq handed out, advanced in the same statement that moves the
-- balance (that statement holds the user's row, so a user's rows are numbered one by one).
-- A task_reward row's actor_id is the creator who confirmed it (the per-pair earning limit
-- and the redemption hold read it); a reward withheld whole by an earning limit is a row of
-- amount 0 whose note says why, so the helper sees it.
ALTER TABLE point_transactions DROP CONSTRAINT point_transactions_amount_check;
ALTER TABLE point_transactions ADD CONSTRAINT point_transactions_amount_check
  CHECK (amount <> 0 OR type = 'task_reward');
ALTER TABLE point_transactions ADD COLUMN seq BIGINT, ADD COLUMN balance_after BIGINT;

-- The backfill is not a change a client has to pull again.
ALTER TABLE point_transactions DISABLE TRIGGER sync_point_transactions_change;
UPDATE point_transactions p
SET seq = c.seq, balance_after = c.balance_after,
    actor_id = CASE WHEN p.type = 'task_reward'
                    THEN (SELECT t.creator_id FROM tasks t WHERE t.id = p.task_id)
                    ELSE p.actor_id END
FROM (SELECT id, row_number() OVER w AS seq, (sum(amount) OVER w)::bigint AS balance_after
      FROM point_transactions
      WINDOW w AS (PARTITION BY user_id ORDER BY created_at, id ROWS UNBOUNDED PRECEDING)) c
WHERE p.id = c.id;
ALTER TABLE point_transactions ENABLE TRIGGER sync_point_transactions_change;

ALTER TABLE point_transactions ALTER COLUMN seq SET NOT NULL,
  ALTER COLUMN balance_after SET NOT NULL;
CREATE UNIQUE INDEX point_transactions_chain ON point_transactions (user_id, seq);

ALTER TABLE users ADD COLUMN ledger_seq BIGINT NOT NULL DEFAULT 0;
UPDATE users SET ledger_seq = (SELECT count(*) FROM point_transactions p WHERE p.user_id = users.id);
