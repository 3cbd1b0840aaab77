package dev.tollgate.admin.budget;

/**
 * One row of {@code tg_budget}: a budget (pricing tier) shared by the customers linked to it.
 * Nullable columns are boxed; money is nano-dollars, times are epoch milliseconds.
 *
 * @param modelMaxBudget the JSON object text of {@code model_max_budget} (stored, not enforced), or null
 */
public record BudgetRow(
        String budgetId,
        Long maxBudgetNanos,
        Long softBudgetNanos,
        Integer maxParallelRequests,
        Long tpmLimit,
        Long rpmLimit,
        String modelMaxBudget,
        String budgetDuration,
        Long budgetResetAt,
        long createdAt,
        String createdBy,
        long updatedAt,
        String updatedBy) {

    /** A copy under a new id and owner that keeps every limit, with {@code maxBudgetNanos} replaced. */
    public BudgetRow copyAs(String newId, Long newMaxBudgetNanos, long nowMs, String actor) {
        return new BudgetRow(
                newId,
                newMaxBudgetNanos,
                softBudgetNanos,
                maxParallelRequests,
                tpmLimit,
                rpmLimit,
                modelMaxBudget,
                budgetDuration,
                budgetResetAt,
                nowMs,
                actor,
                nowMs,
                actor);
    }

    public BudgetRow withMaxBudget(Long nanos, long nowMs, String actor) {
        return new BudgetRow(
                budgetId,
                nanos,
                softBudgetNanos,
                maxParallelRequests,
                tpmLimit,
                rpmLimit,
                modelMaxBudget,
                budgetDuration,
                budgetResetAt,
                createdAt,
                createdBy,
                nowMs,
                actor);
    }
}
