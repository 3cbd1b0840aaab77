package dev.tollgate.core.usage;

/**
 * The one record every finished call yields, handed to {@link CallListener}s (spend, webhooks,
 * metrics). {@code customerId} is null for calls without a customer.
 *
 * @param costNanos    the call's cost in nano-dollars, rounded once
 * @param outcome      how the call ended
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
        String apiKeyHash) {

    public enum Outcome { OK, CLIENT_CANCELLED, UPSTREAM_FAILED }
}
