package dev.tollgate.core.limits;

/**
 * One admission attempt.
 *
 * @param reserveNanos  worst-case cost of this call, held against the budget until settle
 * @param reserveTokens tokens held against the TPM window until settle
 */
public record AdmitRequest(String customerId, CustomerLimits limits, long nowMs, long reserveNanos, long reserveTokens) {
}
