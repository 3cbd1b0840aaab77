package dev.tollgate.core.limits;

/**
 * The limits that apply to one customer right now, resolved by the catalogue from the customer's
 * own budget, its tier, or the default budget. A negative value means "no limit".
 *
 * @param periodEndMs end of the current budget period (epoch ms), 0 when the budget never resets
 */
public record CustomerLimits(long maxBudgetNanos, long rpmLimit, long tpmLimit, long periodEndMs) {
    public static final CustomerLimits UNLIMITED = new CustomerLimits(-1, -1, -1, 0);

    public boolean hasBudget() {
        return maxBudgetNanos >= 0;
    }
}
