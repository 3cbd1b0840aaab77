package dev.tollgate.core.limits;

/**
 * Replaces an admitted call's reservation by its real cost and tokens.
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
        boolean persisted) {

    /** A settle without id (never deduplicated). */
    public SettleRequest(
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
            boolean success) {
        this(
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
                null,
                false);
    }

    /** The same settle, marked as already written to the database. */
    public SettleRequest asPersisted() {
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
                true);
    }
}
