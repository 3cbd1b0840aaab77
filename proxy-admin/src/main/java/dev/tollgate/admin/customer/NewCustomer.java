package dev.tollgate.admin.customer;

import dev.tollgate.admin.budget.BudgetInput;

/**
 * A type-checked {@code /customer/new} request.
 *
 * @param spendNanos initial spend, or null for 0
 * @param budget     the inline budget fields (its {@code budgetId} is unused; {@code budgetId} here links)
 */
public record NewCustomer(
        String userId,
        String alias,
        boolean blocked,
        String budgetId,
        Long spendNanos,
        String allowedModelRegion,
        String defaultModel,
        BudgetInput budget) {}
