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
 */
public record AdmitRequest(String customerId, CustomerLimits limits, long nowMs, long reserveNanos, long reserveTokens,
        long reservationTtlMs) {

    public AdmitRequest {
        if (reservationTtlMs <= 0) {
            throw new IllegalArgumentException("reservationTtlMs must be positive, got " + reservationTtlMs);
        }
    }

    /** An admission with {@link LimitStore#DEFAULT_RESERVATION_TTL_MS}. */
    public AdmitRequest(String customerId, CustomerLimits limits, long nowMs, long reserveNanos, long reserveTokens) {
        this(customerId, limits, nowMs, reserveNanos, reserveTokens, LimitStore.DEFAULT_RESERVATION_TTL_MS);
    }
}
