package dev.tollgate.core.budget;

import dev.tollgate.core.limits.ModelLimits;
import java.time.Instant;
import java.time.ZoneId;

/**
 * One entry of {@code model_max_budget}: a budget and rate limits of the customer's own for one
 * model. A negative number means "no limit"; {@code duration} null means the budget never resets.
 *
 * @param model the key as the operator wrote it (the public model name, or a provider-prefixed one)
 */
public record ModelBudget(String model, long maxBudgetNanos, BudgetDuration duration, long rpmLimit, long tpmLimit) {

    /**
     * The limits of this entry for a call at {@code nowMs}: its period is calendar-aligned in
     * {@code zone} like {@code budget_duration}, so every instance computes the same end.
     */
    public ModelLimits limits(long nowMs, ZoneId zone) {
        long periodEnd = duration == null
                ? 0
                : duration.nextReset(Instant.ofEpochMilli(nowMs), zone).toEpochMilli();
        return new ModelLimits(model, maxBudgetNanos, rpmLimit, tpmLimit, periodEnd);
    }
}
