-- The points ledger: every balance change is one row, written in the same transaction as
-- the change to users.points_balance.
CREATE TABLE point_transactions (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users (id),
  amount         INTEGER NOT NULL CHECK (amount <> 0),
  type           TEXT NOT NULL,
  task_id        TEXT,
  redemption_id  TEXT,
  note           TEXT,
  created_at     INTEGER NOT NULL
);
CREATE INDEX point_transactions_user ON point_transactions (user_id, created_at DESC, id DESC);
-- A task pays out at most once.
CREATE UNIQUE INDEX point_transactions_task_reward ON point_transactions (task_id)
  WHERE type = 'task_reward';
