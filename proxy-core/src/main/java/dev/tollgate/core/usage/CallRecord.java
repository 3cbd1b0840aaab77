package dev.tollgate.core.usage;

/**
 * The one record every finished call yields, handed to {@link CallListener}s (spend, webhooks,
 * metrics). {@code customerId} is null for calls without a customer. Built with {@link #builder()}.
 *
 * @param costNanos        the call's cost in nano-dollars, rounded once
 * @param outcome          how the call ended
 * @param upstreamNanos    from sending the upstream request to the end of the call; 0 without an upstream
 * @param totalNanos       from the request's arrival to the end of the call (after settling)
 * @param firstByteNanos   from the request's arrival to the upstream's first response byte; 0 without one
 * @param maxBudgetNanos   the customer's max budget when the call was admitted; -1 = none or unknown
 * @param periodSpendNanos the customer's committed spend in the budget period right after this call
 *                         was settled; -1 when unknown (no customer, store unreachable)
 * @param periodEndMs      end of that budget period (epoch ms), 0 = a period that never ends
 * @param softBudgetNanos  the customer's soft budget when the call was admitted; -1 = none or unknown
 */
public record CallRecord(
        String requestId,
        String customerId,
        String modelGroup,
        String deploymentModel,
        String route,
        boolean stream,
        Usage usage,
        long costNanos,
        Outcome outcome,
        int status,
        long startedNanos,
        long upstreamNanos,
        long totalNanos,
        String apiKeyHash,
        long firstByteNanos,
        long maxBudgetNanos,
        long periodSpendNanos,
        long periodEndMs,
        long softBudgetNanos) {

    public enum Outcome {
        OK,
        CLIENT_CANCELLED,
        UPSTREAM_FAILED
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a record by name. Unset facts keep their "unknown" values: no first byte (0), no
     * budget (-1), period spend unknown (-1), a period that never ends (0).
     */
    public static final class Builder {
        private String requestId;
        private String customerId;
        private String modelGroup;
        private String deploymentModel;
        private String route;
        private boolean stream;
        private Usage usage = Usage.ZERO;
        private long costNanos;
        private Outcome outcome = Outcome.OK;
        private int status;
        private long startedNanos;
        private long upstreamNanos;
        private long totalNanos;
        private String apiKeyHash;
        private long firstByteNanos;
        private long maxBudgetNanos = -1;
        private long periodSpendNanos = -1;
        private long periodEndMs;
        private long softBudgetNanos = -1;

        private Builder() {}

        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        public Builder customerId(String customerId) {
            this.customerId = customerId;
            return this;
        }

        public Builder modelGroup(String modelGroup) {
            this.modelGroup = modelGroup;
            return this;
        }

        public Builder deploymentModel(String deploymentModel) {
            this.deploymentModel = deploymentModel;
            return this;
        }

        public Builder route(String route) {
            this.route = route;
            return this;
        }

        public Builder stream(boolean stream) {
            this.stream = stream;
            return this;
        }

        public Builder usage(Usage usage) {
            this.usage = usage;
            return this;
        }

        public Builder costNanos(long costNanos) {
            this.costNanos = costNanos;
            return this;
        }

        public Builder outcome(Outcome outcome) {
            this.outcome = outcome;
            return this;
        }

        public Builder status(int status) {
            this.status = status;
            return this;
        }

        public Builder startedNanos(long startedNanos) {
            this.startedNanos = startedNanos;
            return this;
        }

        public Builder upstreamNanos(long upstreamNanos) {
            this.upstreamNanos = upstreamNanos;
            return this;
        }

        public Builder totalNanos(long totalNanos) {
            this.totalNanos = totalNanos;
            return this;
        }

        public Builder apiKeyHash(String apiKeyHash) {
            this.apiKeyHash = apiKeyHash;
            return this;
        }

        public Builder firstByteNanos(long firstByteNanos) {
            this.firstByteNanos = firstByteNanos;
            return this;
        }

        public Builder maxBudgetNanos(long maxBudgetNanos) {
            this.maxBudgetNanos = maxBudgetNanos;
            return this;
        }

        public Builder periodSpendNanos(long periodSpendNanos) {
            this.periodSpendNanos = periodSpendNanos;
            return this;
        }

        public Builder periodEndMs(long periodEndMs) {
            this.periodEndMs = periodEndMs;
            return this;
        }

        public Builder softBudgetNanos(long softBudgetNanos) {
            this.softBudgetNanos = softBudgetNanos;
            return this;
        }

        public CallRecord build() {
            return new CallRecord(
                    requestId,
                    customerId,
                    modelGroup,
                    deploymentModel,
                    route,
                    stream,
                    usage,
                    costNanos,
                    outcome,
                    status,
                    startedNanos,
                    upstreamNanos,
                    totalNanos,
                    apiKeyHash,
                    firstByteNanos,
                    maxBudgetNanos,
                    periodSpendNanos,
                    periodEndMs,
                    softBudgetNanos);
        }
    }

    public boolean hasBudget() {
        return maxBudgetNanos >= 0;
    }

    /** Whether the customer's period spend after this call has reached its soft budget. */
    public boolean pastSoftBudget() {
        return softBudgetNanos >= 0 && periodSpendNanos >= 0 && periodSpendNanos >= softBudgetNanos;
    }
}
