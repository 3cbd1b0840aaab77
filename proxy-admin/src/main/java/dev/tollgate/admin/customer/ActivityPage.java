package dev.tollgate.admin.customer;

import java.util.List;
import java.util.Map;

/**
 * One page of daily activity: the page's days (newest first), their aggregate rows, totals over the
 * whole filtered range, and the aliases of the customers on the page.
 */
public record ActivityPage(
        List<String> days,
        List<DailyUsage> rows,
        DailyUsage totals,
        Map<String, String> aliases,
        int page,
        int totalPages) {

    public boolean hasMore() {
        return page < totalPages;
    }
}
