package dev.tollgate.core.limits;

/** The customer's committed spend in the current period after the settle. */
public record SettleResult(long spentNanos, long periodEndMs) {
}
