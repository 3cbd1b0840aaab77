-- Spend of a customer's model_max_budget entries, one row per customer, entry key (as written in
-- the budget) and period (its end, epoch ms; 0 = a budget that never resets). The flusher adds each
-- batch's model spend here in the same transaction as the rest of the batch, exactly once by the
-- batch id; a model account missing from the limit store is seeded from the row of its period.
-- Rows of ended periods are kept, as history like tg_daily_customer_spend (one small row per
-- customer, model entry and period).
CREATE TABLE tg_customer_model_spend (
    customer_id    VARCHAR(256) NOT NULL,
    model          VARCHAR(256) NOT NULL,
    period_end_ms  BIGINT       NOT NULL,
    spend_nanos    BIGINT       NOT NULL,
    PRIMARY KEY (customer_id, model, period_end_ms)
);
