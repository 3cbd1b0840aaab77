-- Spend batches that can never be written (a value the database refuses, a replay too old to
-- check): kept here whole, as JSON, for an operator to resolve; never silently dropped.
-- reason: 'rejected' (the database refused the batch) or 'unverifiable' (older than the retention
-- of tg_spend_batch, so whether it was applied before cannot be told).
CREATE TABLE tg_spend_quarantine (
    batch_id        VARCHAR(64)  PRIMARY KEY,
    reason          VARCHAR(32)  NOT NULL,
    payload         TEXT         NOT NULL,
    error           TEXT         NOT NULL,
    quarantined_at  BIGINT       NOT NULL,
    resolved_at     BIGINT
);

-- Applied batch ids are pruned by age (see SpendRepository).
CREATE INDEX tg_spend_batch_applied ON tg_spend_batch (applied_at);

-- The customer directory syncs the rows created since its last pass.
CREATE INDEX tg_customer_created ON tg_customer (created_at);

-- Search by alias prefix, case-insensitive: the alias in lower case, kept by the application.
ALTER TABLE tg_customer ADD COLUMN alias_lower VARCHAR(512);
UPDATE tg_customer SET alias_lower = LOWER(alias) WHERE alias IS NOT NULL;
CREATE INDEX tg_customer_alias_lower ON tg_customer (alias_lower);

-- Period sums (overview, export) read one date range, not every customer's history.
CREATE INDEX tg_daily_customer_spend_day ON tg_daily_customer_spend (usage_day);
