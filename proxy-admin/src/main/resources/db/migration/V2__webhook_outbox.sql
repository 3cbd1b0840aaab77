-- Webhook outbox: every event is written here before any delivery attempt, so a restart loses
-- nothing and several instances deliver each event once (at-least-once to the receiver).
-- event_id is the Standard Webhooks webhook-id. Budget and threshold events get a deterministic
-- id (customer, event, threshold, budget period): two instances crossing the same threshold
-- insert the same id and the primary key keeps one.
CREATE TABLE tg_webhook_outbox (
    event_id          VARCHAR(64)  PRIMARY KEY,
    event_type        VARCHAR(64)  NOT NULL,
    customer_id       VARCHAR(256),
    payload           TEXT         NOT NULL,
    -- pending, delivered, dead (gave up or permanent failure), gone (receiver answered 410)
    status            VARCHAR(16)  NOT NULL,
    attempts          INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT       NOT NULL,
    -- a worker owns the row until then (epoch ms); 0 = free
    locked_until      BIGINT       NOT NULL DEFAULT 0,
    last_status       INTEGER,
    last_error        VARCHAR(512),
    created_at        BIGINT       NOT NULL,
    updated_at        BIGINT       NOT NULL
);
CREATE INDEX tg_webhook_outbox_due ON tg_webhook_outbox (status, next_attempt_at);
