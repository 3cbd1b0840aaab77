package dev.tollgate.core.config;

import dev.tollgate.core.budget.BudgetDuration;

/**
 * LiteLLM's proxy-wide budget: {@code litellm_settings.max_budget} caps the spend of all calls
 * together, customers or not, per {@code budget_duration} period.
 *
 * @param maxBudgetNanos the cap in nano-USD; negative when none is set
 * @param duration       the reset period; null when the budget never resets
 */
public record ProxyBudgetSettings(long maxBudgetNanos, BudgetDuration duration) {
    public static final ProxyBudgetSettings NONE = new ProxyBudgetSettings(-1, null);

    public boolean enabled() {
        return maxBudgetNanos >= 0;
    }
}
