package dev.tollgate.core.limits;

/**
 * Replaces an admitted call's reservation by its real cost and tokens. Built with {@link #builder()}.
 *
 * @param windowStartMs    from {@link AdmitDecision#windowStartMs()}
 * @param rateTokens        real tokens to count in the TPM window (per token_rate_limit_type)
 * @param day               UTC day of the call, {@code YYYY-MM-DD}, for the daily aggregate
 * @param settleId          unique id of this settle (null: none). A settle with an id is applied
 *                          at most once: the store remembers applied ids (for at least
 *                          {@link LimitStore#SETTLE_ID_RETENTION_MS} after they were applied), so a
 *                          settle whose outcome is unknown (timed out) can be sent again safely
 * @param persisted         the spend was already written to the database by the caller (Redis
 *                          outage fallback): update the counters (reservation, spent, window) but
 *                          queue nothing for the flusher; and if the same id had been applied with
 *                          its spend queued, take that queued spend back out
 * @param requests          calls this settle stands for: 1, or more for a batch of one customer's
 *                          settles folded into one ({@link SettleBatcher}; every number is then the
 *                          batch's sum)
 * @param successfulRequests how many of them succeeded (for one call: 1 when {@code success})
 * @param modelBudgetKey    the {@code model_max_budget} key the call was admitted under (null:
 *                          none): its reservation is released from the model's account, its cost
 *                          added to the model's spend and queued as {@link PendingFields#modelField}.
 *                          Such settles stand for one call: {@link SettleBatcher} never folds them
 * @param modelPeriodEndMs  the model entry's period end at admission: the period the spend is queued
 *                          under when the store has no model account any more (it lost its data)
 */
public record SettleRequest(
        String customerId,
        long reserveNanos,
        long reserveTokens,
        long windowStartMs,
        long costNanos,
        long rateTokens,
        String day,
        String model,
        long promptTokens,
        long completionTokens,
        boolean success,
        String settleId,
        boolean persisted,
        long requests,
        long successfulRequests,
        String modelBudgetKey,
        long modelPeriodEndMs) {

    public static Builder builder() {
        return new Builder();
    }

    /** The same settle, marked as already written to the database. */
    public SettleRequest asPersisted() {
        return toBuilder().persisted(true).build();
    }

    public Builder toBuilder() {
        return builder()
                .customerId(customerId)
                .reserveNanos(reserveNanos)
                .reserveTokens(reserveTokens)
                .windowStartMs(windowStartMs)
                .costNanos(costNanos)
                .rateTokens(rateTokens)
                .day(day)
                .model(model)
                .promptTokens(promptTokens)
                .completionTokens(completionTokens)
                .success(success)
                .settleId(settleId)
                .persisted(persisted)
                .requests(requests)
                .successfulRequests(successfulRequests)
                .modelBudget(modelBudgetKey, modelPeriodEndMs);
    }

    public boolean hasModelBudget() {
        return modelBudgetKey != null;
    }

    /**
     * Builds a settle by name; unset numbers are 0, no settle id (never deduplicated), not
     * persisted, one call (successful when {@code success}).
     */
    public static final class Builder {
        private String customerId;
        private long reserveNanos;
        private long reserveTokens;
        private long windowStartMs;
        private long costNanos;
        private long rateTokens;
        private String day;
        private String model;
        private long promptTokens;
        private long completionTokens;
        private boolean success;
        private String settleId;
        private boolean persisted;
        private long requests = 1;
        private long successfulRequests = -1;
        private String modelBudgetKey;
        private long modelPeriodEndMs;

        private Builder() {}

        public Builder customerId(String customerId) {
            this.customerId = customerId;
            return this;
        }

        public Builder reserveNanos(long reserveNanos) {
            this.reserveNanos = reserveNanos;
            return this;
        }

        public Builder reserveTokens(long reserveTokens) {
            this.reserveTokens = reserveTokens;
            return this;
        }

        public Builder windowStartMs(long windowStartMs) {
            this.windowStartMs = windowStartMs;
            return this;
        }

        public Builder costNanos(long costNanos) {
            this.costNanos = costNanos;
            return this;
        }

        public Builder rateTokens(long rateTokens) {
            this.rateTokens = rateTokens;
            return this;
        }

        public Builder day(String day) {
            this.day = day;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder promptTokens(long promptTokens) {
            this.promptTokens = promptTokens;
            return this;
        }

        public Builder completionTokens(long completionTokens) {
            this.completionTokens = completionTokens;
            return this;
        }

        public Builder success(boolean success) {
            this.success = success;
            return this;
        }

        public Builder settleId(String settleId) {
            this.settleId = settleId;
            return this;
        }

        public Builder persisted(boolean persisted) {
            this.persisted = persisted;
            return this;
        }

        public Builder requests(long requests) {
            this.requests = requests;
            return this;
        }

        /** Unset: 1 when {@code success}, else 0. */
        public Builder successfulRequests(long successfulRequests) {
            this.successfulRequests = successfulRequests;
            return this;
        }

        /** The call's {@code model_max_budget} key (null: none) and that entry's period end at admission. */
        public Builder modelBudget(String modelBudgetKey, long modelPeriodEndMs) {
            this.modelBudgetKey = modelBudgetKey;
            this.modelPeriodEndMs = modelPeriodEndMs;
            return this;
        }

        public SettleRequest build() {
            return new SettleRequest(
                    customerId,
                    reserveNanos,
                    reserveTokens,
                    windowStartMs,
                    costNanos,
                    rateTokens,
                    day,
                    model,
                    promptTokens,
                    completionTokens,
                    success,
                    settleId,
                    persisted,
                    requests,
                    successfulRequests >= 0 ? successfulRequests : success ? 1 : 0,
                    modelBudgetKey,
                    modelPeriodEndMs);
        }
    }
}
