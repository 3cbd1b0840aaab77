package dev.tollgate.core.limits;

/**
 * Replaces an admitted call's reservation by its real cost and tokens.
 *
 * @param windowStartMs    from {@link AdmitDecision#windowStartMs()}
 * @param rateTokens        real tokens to count in the TPM window (per token_rate_limit_type)
 * @param day               UTC day of the call, {@code YYYY-MM-DD}, for the daily aggregate
 */
public record SettleRequest(String customerId, long reserveNanos, long reserveTokens, long windowStartMs,
        long costNanos, long rateTokens, String day, String model, long promptTokens, long completionTokens,
        boolean success) {
}
