package dev.tollgate.admin.customer;

/**
 * A type-checked {@code /customer/update} request: LiteLLM's eight fields, each null when not
 * given. Unlike upstream, {@code blocked: false} and {@code max_budget: 0} are real values
 * (upstream drops anything equal to 0, so it could never unblock a customer).
 */
public record CustomerUpdate(
        String userId,
        String alias,
        Boolean blocked,
        Long maxBudgetNanos,
        String budgetId,
        String allowedModelRegion,
        String defaultModel) {}
