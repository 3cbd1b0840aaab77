package dev.tollgate.core.usage;

/**
 * The one record every finished call yields, handed to {@link CallListener}s (spend, webhooks,
 * metrics). {@code customerId} is null for calls without a customer.
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
        long periodEndMs) {

    public enum Outcome {
        OK,
        CLIENT_CANCELLED,
        UPSTREAM_FAILED
    }

    /** A record without first-byte time and budget facts. */
    public CallRecord(
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
            String apiKeyHash) {
        this(
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
                0,
                -1,
                -1,
                0);
    }

    public boolean hasBudget() {
        return maxBudgetNanos >= 0;
    }
}
