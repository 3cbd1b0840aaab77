package dev.tollgate.core.limits;

/**
 * The limits that apply to one customer right now, resolved by the catalogue from the customer's
 * own budget, its tier, or the default budget. A negative value means "no limit".
 *
 * @param periodEndMs     end of the current budget period (epoch ms), 0 when the budget never resets
 * @param softBudgetNanos {@code soft_budget}: never refuses a call, only flags it (header, webhook); -1 = none
 * @param maxParallel     {@code max_parallel_requests}: calls in flight at once, fleet-wide; -1 = no limit
 */
public record CustomerLimits(
        long maxBudgetNanos, long rpmLimit, long tpmLimit, long periodEndMs, long softBudgetNanos, long maxParallel) {
    public static final CustomerLimits UNLIMITED = new CustomerLimits(-1, -1, -1, 0);

    /** Limits without a soft budget or a parallel-request limit. */
    public CustomerLimits(long maxBudgetNanos, long rpmLimit, long tpmLimit, long periodEndMs) {
        this(maxBudgetNanos, rpmLimit, tpmLimit, periodEndMs, -1, -1);
    }

    public boolean hasBudget() {
        return maxBudgetNanos >= 0;
    }

    public boolean hasSoftBudget() {
        return softBudgetNanos >= 0;
    }

    public boolean limitsParallel() {
        return maxParallel >= 0;
    }

    /** The same limits in the period ending {@code periodEndMs}. */
    public CustomerLimits withPeriodEnd(long periodEndMs) {
        return new CustomerLimits(maxBudgetNanos, rpmLimit, tpmLimit, periodEndMs, softBudgetNanos, maxParallel);
    }
}
