package dev.tollgate.admin.overview;

import java.util.List;

/**
 * What the admin page's Overview shows from the database: spend today and this month (UTC days,
 * as {@code tg_daily_customer_spend} keys them), spend per day, the top customers of the month
 * and a few counts. Money is nano-dollars. It holds what the spend flusher has written, so a call
 * shows up here after the next flush.
 */
public record SpendOverview(
        String today,
        String monthStart,
        Totals todayTotals,
        Totals monthTotals,
        List<Day> daily,
        List<TopCustomer> topCustomers,
        long customers,
        long blockedCustomers,
        long budgets) {

    /** Sums over a range of days. */
    public record Totals(
            long spendNanos, long requests, long failedRequests, long promptTokens, long completionTokens) {
        public static final Totals ZERO = new Totals(0, 0, 0, 0, 0);
    }

    /** One UTC day; days without usage are present with zeros. */
    public record Day(String date, long spendNanos, long requests) {}

    /** A customer's month: {@code alias}, {@code budgetId} are null for customers not yet (or no longer) in {@code tg_customer}. */
    public record TopCustomer(
            String userId, String alias, String budgetId, boolean blocked, long spendNanos, long requests) {}
}
