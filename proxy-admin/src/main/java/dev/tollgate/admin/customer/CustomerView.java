package dev.tollgate.admin.customer;

import dev.tollgate.admin.budget.BudgetRow;
import java.util.Map;

/**
 * A customer as the API shows it: the row, its linked budget (or null) and the spend to display,
 * which for {@code /customer/info} includes spend not yet flushed to the database, and there the
 * calls in flight when the budget limits them ({@code max_parallel_requests}), else null, and the
 * current period's spend of each {@code model_max_budget} entry of its budget (by key, in the order
 * written), else null.
 */
public record CustomerView(
        CustomerRow customer, BudgetRow budget, long spendNanos, Long inFlight, Map<String, Long> modelSpend) {

    /** A view without an in-flight count or model spend (every view but {@code /customer/info}). */
    public CustomerView(CustomerRow customer, BudgetRow budget, long spendNanos) {
        this(customer, budget, spendNanos, null, null);
    }
}
