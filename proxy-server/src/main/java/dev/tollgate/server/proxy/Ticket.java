package dev.tollgate.server.proxy;

import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.CustomerLimits;

/**
 * What admission granted a call: the reservation to release at settle and the counters for the
 * response's rate-limit headers. {@code decision} is null when nothing was reserved (no
 * customer, or the limit store was unreachable and the policy is fail-open).
 */
public record Ticket(
        String customerId, CustomerLimits limits, AdmitDecision decision, long reserveNanos, long reserveTokens) {

    public static Ticket unchecked(String customerId, CustomerLimits limits) {
        return new Ticket(customerId, limits, null, 0, 0);
    }

    public boolean reserved() {
        return decision != null;
    }
}
