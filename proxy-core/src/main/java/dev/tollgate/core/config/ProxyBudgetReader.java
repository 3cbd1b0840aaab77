package dev.tollgate.core.config;

import dev.tollgate.core.budget.BudgetDuration;
import dev.tollgate.core.money.Money;
import java.math.BigDecimal;

/** Reads {@code litellm_settings.max_budget} and {@code budget_duration} into {@link ProxyBudgetSettings}. */
final class ProxyBudgetReader {
    private ProxyBudgetReader() {}

    static ProxyBudgetSettings read(ConfigNode litellm) {
        BigDecimal max = litellm.decimal("max_budget", "expected a number of USD");
        BudgetDuration duration = null;
        String text = litellm.string("budget_duration");
        if (text != null && !text.isBlank()) {
            try {
                duration = BudgetDuration.parse(text);
            } catch (IllegalArgumentException e) {
                litellm.reject("budget_duration", e.getMessage());
            }
        }
        // LiteLLM enforces the proxy budget only when max_budget > 0: 0 means "none".
        if (max == null || max.signum() <= 0) {
            return ProxyBudgetSettings.NONE;
        }
        return new ProxyBudgetSettings(Money.usdToNanos(max), duration);
    }
}
