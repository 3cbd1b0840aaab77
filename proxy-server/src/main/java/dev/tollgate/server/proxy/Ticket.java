package dev.tollgate.server.proxy;

import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.ModelLimits;

/**
 * What admission granted a call: the reservation to release at settle and the counters for the
 * response's rate-limit headers. {@code decision} is null when nothing was reserved (no
 * customer, or the limit store was unreachable and the policy is fail-open). {@code slotId} is
 * the in-flight slot the call holds, or null. {@code model} is the {@code model_max_budget} entry
 * the call was admitted under (its settle goes to that entry too), or null.
 */
public record Ticket(
        String customerId,
        CustomerLimits limits,
        AdmitDecision decision,
        long reserveNanos,
        long reserveTokens,
        String slotId,
        ModelLimits model) {

    /** A ticket without an in-flight slot or model entry. */
    public Ticket(
            String customerId, CustomerLimits limits, AdmitDecision decision, long reserveNanos, long reserveTokens) {
        this(customerId, limits, decision, reserveNanos, reserveTokens, null, null);
    }

    /** A ticket of a call admitted under the model entry {@code model} (null: none). */
    public Ticket(
            String customerId,
            CustomerLimits limits,
            AdmitDecision decision,
            long reserveNanos,
            long reserveTokens,
            ModelLimits model) {
        this(customerId, limits, decision, reserveNanos, reserveTokens, null, model);
    }

    public static Ticket unchecked(String customerId, CustomerLimits limits) {
        return new Ticket(customerId, limits, null, 0, 0);
    }

    /** This ticket holding the in-flight slot {@code slotId} ({@code max_parallel_requests}), to give back when the call ends. */
    public Ticket withSlot(String slotId) {
        return new Ticket(customerId, limits, decision, reserveNanos, reserveTokens, slotId, model);
    }

    public boolean reserved() {
        return decision != null;
    }
}
