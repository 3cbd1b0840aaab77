package dev.tollgate.admin.customer;

import java.time.LocalDate;
import java.util.List;

/**
 * Which rows of {@code tg_daily_customer_spend} {@code /customer/daily/activity} covers.
 *
 * @param customerIds only these customers (empty = all)
 * @param excludeIds  never these customers
 * @param model       only this model, or null
 */
public record ActivityFilter(
        LocalDate start, LocalDate end, List<String> customerIds, List<String> excludeIds, String model) {
    public ActivityFilter {
        customerIds = List.copyOf(customerIds);
        excludeIds = List.copyOf(excludeIds);
    }
}
