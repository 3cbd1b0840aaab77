/**
 * Per-customer admission and spend accounting as domain types: the {@link
 * dev.tollgate.core.limits.LimitStore} contract (admit, settle, seed, pending spend), its
 * requests and decisions, the RPM/TPM window, and the in-process store. The Redis implementation
 * lives in {@code limits.redis}.
 */
package dev.tollgate.core.limits;
