package dev.tollgate.admin.budget;

/** A budget with the number of customers linked to it, for {@code /budget/list}. */
public record BudgetListing(BudgetRow budget, long customerCount) {}
