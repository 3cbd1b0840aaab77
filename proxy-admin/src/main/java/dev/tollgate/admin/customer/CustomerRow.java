package dev.tollgate.admin.customer;

/**
 * One row of {@code tg_customer}. Money is nano-dollars, times epoch milliseconds.
 *
 * @param spendPeriodEnd end of the budget period {@code spendNanos} belongs to; 0 = never ends
 */
public record CustomerRow(
        String userId,
        String alias,
        long spendNanos,
        long spendPeriodEnd,
        String allowedModelRegion,
        String defaultModel,
        String budgetId,
        boolean blocked,
        long createdAt,
        long updatedAt) {}
