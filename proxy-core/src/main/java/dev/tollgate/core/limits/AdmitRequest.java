package dev.tollgate.core.limits;

/**
 * One admission attempt.
 *
 * @param reserveNanos      worst-case cost of this call, held against the budget until settle, or
 *                          until the reservation expires (see {@code reservationTtlMs})
 * @param reserveTokens     tokens held against the TPM window until settle; they leave with the
 *                          window (the minute) anyway
 * @param reservationTtlMs  how long an unsettled reservation keeps counting against the budget:
 *                          reservations are kept per admission minute (the window this call is
 *                          counted in), and at each admission the minutes whose end lies
 *                          {@code reservationTtlMs} or more in the past are dropped before the
 *                          budget check. A reservation therefore counts for at least this long and
 *                          less than this plus one minute. Must be positive; it should exceed the
 *                          longest a call can take (admit to settle), or a live call's
 *                          reservation stops counting before it ends
 * @param createIfAbsent    the customer is known to have no persisted spend (no database row), so a
 *                          missing account is created in the same step (as {@link LimitStore#seed}
 *                          with zero) instead of answering {@code NEEDS_SEED}: a new customer costs
 *                          one round trip, not three; it creates a missing model account the same way
 * @param model             the {@code model_max_budget} entry of this call, or null when none
 *                          applies: then the model's account and window are checked in the same
 *                          step as the customer's, and only when everything passes are both counted.
 *                          A call with a model entry never takes a lease (see
 *                          {@link LimitStore#admitAndLease})
 */
public record AdmitRequest(
        String customerId,
        CustomerLimits limits,
        long nowMs,
        long reserveNanos,
        long reserveTokens,
        long reservationTtlMs,
        boolean createIfAbsent,
        ModelLimits model) {

    public AdmitRequest {
        if (reservationTtlMs <= 0) {
            throw new IllegalArgumentException("reservationTtlMs must be positive, got " + reservationTtlMs);
        }
    }

    /** An admission without a model entry. */
    public AdmitRequest(
            String customerId,
            CustomerLimits limits,
            long nowMs,
            long reserveNanos,
            long reserveTokens,
            long reservationTtlMs,
            boolean createIfAbsent) {
        this(customerId, limits, nowMs, reserveNanos, reserveTokens, reservationTtlMs, createIfAbsent, null);
    }

    /** The same admission checked against {@code model} too (null: none). */
    public AdmitRequest withModel(ModelLimits model) {
        return new AdmitRequest(
                customerId, limits, nowMs, reserveNanos, reserveTokens, reservationTtlMs, createIfAbsent, model);
    }

    /** An admission with {@link LimitStore#DEFAULT_RESERVATION_TTL_MS}. */
    public AdmitRequest(String customerId, CustomerLimits limits, long nowMs, long reserveNanos, long reserveTokens) {
        this(customerId, limits, nowMs, reserveNanos, reserveTokens, LimitStore.DEFAULT_RESERVATION_TTL_MS, false);
    }

    /** An admission that answers {@code NEEDS_SEED} for a missing account. */
    public AdmitRequest(
            String customerId,
            CustomerLimits limits,
            long nowMs,
            long reserveNanos,
            long reserveTokens,
            long reservationTtlMs) {
        this(customerId, limits, nowMs, reserveNanos, reserveTokens, reservationTtlMs, false);
    }
}
