package dev.tollgate.admin.customer;

import dev.tollgate.admin.budget.BudgetRow;

/**
 * A customer as the API shows it: the row, its linked budget (or null) and the spend to display,
 * which for {@code /customer/info} includes spend not yet flushed to the database.
 */
public record CustomerView(CustomerRow customer, BudgetRow budget, long spendNanos) {}
