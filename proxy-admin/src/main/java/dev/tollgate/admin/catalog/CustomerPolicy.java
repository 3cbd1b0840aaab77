package dev.tollgate.admin.catalog;

import dev.tollgate.core.budget.ModelBudgets;
import dev.tollgate.core.limits.CustomerLimits;

/**
 * What the hot path needs to know about a customer: whether it is blocked, which limits apply
 * (own budget, tier, or the default budget) and where its calls may be routed.
 *
 * @param known          false for a customer not (yet) in the database
 * @param budgetId       the budget the limits come from, or null
 * @param allowedRegion  {@code allowed_model_region} ("eu" / "us"), or null for any deployment
 * @param defaultModel   {@code default_model}: where calls go when no deployment is in the region, or null
 * @param modelBudgets   {@code model_max_budget} of the budget that applies, or null when it has none
 */
public record CustomerPolicy(
        String customerId,
        boolean known,
        boolean blocked,
        String budgetId,
        CustomerLimits limits,
        String allowedRegion,
        String defaultModel,
        ModelBudgets modelBudgets) {

    /** A policy without routing constraints. */
    public CustomerPolicy(String customerId, boolean known, boolean blocked, String budgetId, CustomerLimits limits) {
        this(customerId, known, blocked, budgetId, limits, null, null, null);
    }

    /** A policy without model budgets. */
    public CustomerPolicy(
            String customerId,
            boolean known,
            boolean blocked,
            String budgetId,
            CustomerLimits limits,
            String allowedRegion,
            String defaultModel) {
        this(customerId, known, blocked, budgetId, limits, allowedRegion, defaultModel, null);
    }
}
