package dev.tollgate.core.limits;

/**
 * The {@code model_max_budget} entry that applies to one call: a budget and RPM/TPM window of the
 * customer's own for one model, checked in the same atomic admission as the customer's limits. A
 * negative value means "no limit".
 *
 * @param model       the entry's key as the operator wrote it; spend accrues under this name
 * @param periodEndMs end of the entry's current budget period (epoch ms), 0 when it never resets
 */
public record ModelLimits(String model, long maxBudgetNanos, long rpmLimit, long tpmLimit, long periodEndMs) {
    public ModelLimits {
        if (model == null || model.isEmpty()) {
            throw new IllegalArgumentException("a model budget needs a model name");
        }
    }

    public boolean hasBudget() {
        return maxBudgetNanos >= 0;
    }
}
