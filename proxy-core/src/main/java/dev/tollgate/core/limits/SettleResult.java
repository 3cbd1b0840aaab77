package dev.tollgate.core.limits;

/**
 * The customer's committed spend in the current period after the settle.
 *
 * @param applied false when a settle with the same id had been applied before (nothing counted again)
 */
public record SettleResult(long spentNanos, long periodEndMs, boolean applied) {
    public SettleResult(long spentNanos, long periodEndMs) {
        this(spentNanos, periodEndMs, true);
    }
}
