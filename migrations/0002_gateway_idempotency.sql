-- The gateway's record of idempotent writes (worker/idempotency.ts): a repeated key from the same
-- caller is answered with the first call's result instead of running the write again.
CREATE TABLE IF NOT EXISTS _gateway_idempotency (
  caller TEXT NOT NULL,
  key TEXT NOT NULL,
  path TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
  result TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (caller, key)
);
CREATE INDEX IF NOT EXISTS _gateway_idempotency_created ON _gateway_idempotency (created_at);
