package dev.tollgate.admin.budget;

import java.util.Set;

/**
 * The budget fields of a request ({@code /budget/new}, {@code /budget/update}, or the inline budget
 * fields of {@code /customer/new}), already type-checked. {@code present} names the JSON keys that
 * were sent, because {@code /budget/update} treats an explicit {@code null} as "clear" and an absent
 * key as "keep".
 *
 * @param modelMaxBudget JSON object text, or null
 * @param budgetResetAt  epoch ms, or null
 */
public record BudgetInput(
        String budgetId,
        Long maxBudgetNanos,
        Long softBudgetNanos,
        Integer maxParallelRequests,
        Long tpmLimit,
        Long rpmLimit,
        String modelMaxBudget,
        String budgetDuration,
        Long budgetResetAt,
        Set<String> present) {

    public BudgetInput {
        present = Set.copyOf(present);
    }

    public boolean has(String field) {
        return present.contains(field);
    }

    /** True when any budget field other than {@code budget_id} carries a value (LiteLLM's inline-budget rule). */
    public boolean hasAnyLimit() {
        return maxBudgetNanos != null
                || softBudgetNanos != null
                || maxParallelRequests != null
                || tpmLimit != null
                || rpmLimit != null
                || modelMaxBudget != null
                || budgetDuration != null
                || budgetResetAt != null;
    }
}
