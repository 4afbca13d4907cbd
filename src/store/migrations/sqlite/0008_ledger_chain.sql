-- The ledger as a chain. Every row carries its place in its user's ledger (seq: 1, 2, 3, ...)
-- and the balance after it, so that "balance = sum of the rows" is checked on every write in
-- O(1): the previous row's balance_after plus the new amount must be the new balance.
-- users.ledger_seq is the last seq handed out, advanced in the same statement that moves the
-- balance (that statement holds the user's row, so a user's rows are numbered one by one).
-- A task_reward row's actor_id is the creator who confirmed it (the per-pair earning limit
-- and the redemption hold read it); a reward withheld whole by an earning limit is a row of
-- amount 0 whose note says why, so the helper sees it.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt; its indexes and sync
-- triggers (0006, 0007) are created again below.
CREATE TABLE point_transactions_chained (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users (id),
  amount         INTEGER NOT NULL CHECK (amount <> 0 OR type = 'task_reward'),
  type           TEXT NOT NULL,
  task_id        TEXT,
  redemption_id  TEXT,
  note           TEXT,
  created_at     INTEGER NOT NULL,
  actor_id       TEXT,
  seq            INTEGER NOT NULL,
  balance_after  INTEGER NOT NULL
);
INSERT INTO point_transactions_chained
SELECT p.id, p.user_id, p.amount, p.type, p.task_id, p.redemption_id, p.note, p.created_at,
       CASE WHEN p.type = 'task_reward'
            THEN (SELECT t.creator_id FROM tasks t WHERE t.id = p.task_id)
            ELSE p.actor_id END,
       row_number() OVER w, sum(p.amount) OVER w
FROM point_transactions p
WINDOW w AS (PARTITION BY p.user_id ORDER BY p.created_at, p.id ROWS UNBOUNDED PRECEDING);
DROP TABLE point_transactions;
ALTER TABLE point_transactions_chained RENAME TO point_transactions;

CREATE INDEX point_transactions_user ON point_transactions (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX point_transactions_task_reward ON point_transactions (task_id)
  WHERE type = 'task_reward';
CREATE UNIQUE INDEX point_transactions_redemption ON point_transactions (redemption_id, type)
  WHERE redemption_id IS NOT NULL;
CREATE INDEX sync_point_transactions_user ON point_transactions (user_id, id);
CREATE UNIQUE INDEX point_transactions_chain ON point_transactions (user_id, seq);

CREATE TRIGGER sync_point_transactions_insert AFTER INSERT ON point_transactions BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'point_transactions', NEW.id, 1 FROM sync_clock;
END;
CREATE TRIGGER sync_point_transactions_update AFTER UPDATE ON point_transactions BEGIN
  UPDATE sync_clock SET pos = max(pos + 1, (SELECT ms FROM sync_now));
  INSERT INTO sync_changes SELECT pos, NEW.user_id, 'point_transactions', NEW.id, 0 FROM sync_clock;
END;

ALTER TABLE users ADD COLUMN ledger_seq INTEGER NOT NULL DEFAULT 0;
UPDATE users SET ledger_seq = (SELECT count(*) FROM point_transactions p WHERE p.user_id = users.id);
