/**
 * Per-customer admission and spend accounting as domain types: the {@link
 * dev.tollgate.core.limits.LimitStore} contract (admit, settle, seed, pending spend), its
 * requests and decisions, what a call reserves ({@link dev.tollgate.core.limits.AdmissionEstimator})
 * and which tokens count against TPM ({@link dev.tollgate.core.limits.TokenRateLimitType}), the
 * RPM/TPM window, and the in-process store. The Redis implementation lives in {@code limits.redis}.
 */
package dev.tollgate.core.limits;
