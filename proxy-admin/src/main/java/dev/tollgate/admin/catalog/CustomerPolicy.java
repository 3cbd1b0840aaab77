package dev.tollgate.admin.catalog;

import dev.tollgate.core.limits.CustomerLimits;

/**
 * What the hot path needs to know about a customer: whether it is blocked and which limits apply
 * (own budget, tier, or the default budget).
 *
 * @param known     false for a customer not (yet) in the database
 * @param budgetId  the budget the limits come from, or null
 */
public record CustomerPolicy(
        String customerId, boolean known, boolean blocked, String budgetId, CustomerLimits limits) {}
