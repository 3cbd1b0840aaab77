package dev.tollgate.admin.customer;

import dev.tollgate.admin.db.Transactions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * {@code /customer/daily/activity}: pages over days (newest first), so a page never splits one
 * day's breakdown. Totals cover the whole filtered range, not just the page (upstream sums the
 * page), because the admin page shows them as period totals.
 */
public final class DailyActivityService {
    private final DataSource ds;
    private final DailyActivityRepository activity;
    private final CustomerRepository customers;

    public DailyActivityService(DataSource ds, DailyActivityRepository activity, CustomerRepository customers) {
        this.ds = ds;
        this.activity = activity;
        this.customers = customers;
    }

    public ActivityPage page(ActivityFilter filter, int page, int pageSize) {
        return Transactions.inTransaction(ds, c -> {
            List<String> allDays = activity.days(c, filter);
            int totalPages = (allDays.size() + pageSize - 1) / pageSize;
            int from = (int) Math.min((long) (page - 1) * pageSize, allDays.size());
            List<String> days = allDays.subList(from, Math.min(from + pageSize, allDays.size()));
            List<DailyUsage> rows = activity.rows(c, filter, days);
            Set<String> ids = rows.stream().map(DailyUsage::customerId).collect(Collectors.toSet());
            return new ActivityPage(
                    List.copyOf(days), rows, activity.totals(c, filter), customers.aliases(c, ids), page, totalPages);
        });
    }
}
