-- Budgets (pricing tiers) and customers, with LiteLLM's columns. Money is BIGINT nano-dollars
-- (1e-9 USD); the API renders USD. Times are epoch milliseconds (BIGINT) so H2 and PostgreSQL
-- behave identically and no time zone conversion happens inside the database.
CREATE TABLE tg_budget (
    budget_id              VARCHAR(256) PRIMARY KEY,
    max_budget_nanos       BIGINT,
    soft_budget_nanos      BIGINT,
    max_parallel_requests  INTEGER,
    tpm_limit              BIGINT,
    rpm_limit              BIGINT,
    model_max_budget       TEXT,
    budget_duration        VARCHAR(32),
    budget_reset_at        BIGINT,
    created_at             BIGINT       NOT NULL,
    created_by             VARCHAR(256) NOT NULL,
    updated_at             BIGINT       NOT NULL,
    updated_by             VARCHAR(256) NOT NULL
);

CREATE TABLE tg_customer (
    user_id                VARCHAR(256) PRIMARY KEY,
    alias                  VARCHAR(512),
    spend_nanos            BIGINT       NOT NULL DEFAULT 0,
    -- end (epoch ms) of the budget period spend_nanos belongs to; 0 = a period that never ends
    spend_period_end       BIGINT       NOT NULL DEFAULT 0,
    allowed_model_region   VARCHAR(16),
    default_model          VARCHAR(256),
    budget_id              VARCHAR(256) REFERENCES tg_budget (budget_id),
    blocked                BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at             BIGINT       NOT NULL,
    updated_at             BIGINT       NOT NULL
);
CREATE INDEX tg_customer_budget ON tg_customer (budget_id);

-- Per customer, UTC day and model: the source of /customer/daily/activity and the admin charts.
CREATE TABLE tg_daily_customer_spend (
    customer_id            VARCHAR(256) NOT NULL,
    usage_day              VARCHAR(10)  NOT NULL,
    model                  VARCHAR(256) NOT NULL,
    requests               BIGINT       NOT NULL DEFAULT 0,
    successful_requests    BIGINT       NOT NULL DEFAULT 0,
    failed_requests        BIGINT       NOT NULL DEFAULT 0,
    prompt_tokens          BIGINT       NOT NULL DEFAULT 0,
    completion_tokens      BIGINT       NOT NULL DEFAULT 0,
    spend_nanos            BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, usage_day, model)
);

-- Every pending-spend batch applied, recorded in the same transaction as its spend: a replayed
-- batch (flusher died after commit, or two flushers raced) hits the primary key and adds nothing.
CREATE TABLE tg_spend_batch (
    batch_id               VARCHAR(64)  PRIMARY KEY,
    customer_id            VARCHAR(256) NOT NULL,
    spend_nanos            BIGINT       NOT NULL,
    applied_at             BIGINT       NOT NULL
);
