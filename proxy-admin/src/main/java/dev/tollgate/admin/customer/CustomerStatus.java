package dev.tollgate.admin.customer;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where a customer stands against the budget that applies to it (its own or its tier's, else the
 * default end-user budget), by the spend of its current period as last flushed. The admin page's
 * status column and the {@code status} filter of {@code /customer/list} use these rules.
 */
public enum CustomerStatus {
    /** Refused on every call, whatever the budget. */
    BLOCKED("blocked", "c.blocked = TRUE"),
    /** Spend has reached {@code max_budget}: calls are refused until the period resets. */
    OVER_BUDGET(
            "over_budget",
            "c.blocked = FALSE AND b.max_budget_nanos IS NOT NULL AND c.spend_nanos >= b.max_budget_nanos"),
    /** Spend has reached the {@code soft_budget} (the alert level) but not {@code max_budget}. */
    NEAR_LIMIT(
            "near_limit",
            "c.blocked = FALSE AND b.soft_budget_nanos IS NOT NULL AND c.spend_nanos >= b.soft_budget_nanos"
                    + " AND (b.max_budget_nanos IS NULL OR c.spend_nanos < b.max_budget_nanos)"),
    /** Everyone else. */
    ACTIVE(
            "active",
            "c.blocked = FALSE AND (b.max_budget_nanos IS NULL OR c.spend_nanos < b.max_budget_nanos)"
                    + " AND (b.soft_budget_nanos IS NULL OR c.spend_nanos < b.soft_budget_nanos)");

    private final String param;
    /** Over {@code tg_customer c} joined with the budget that applies to it as {@code b} (null when none). */
    private final String sql;

    CustomerStatus(String param, String sql) {
        this.param = param;
        this.sql = sql;
    }

    public String param() {
        return param;
    }

    String sqlCondition() {
        return sql;
    }

    public static Optional<CustomerStatus> fromParam(String value) {
        return Arrays.stream(values()).filter(s -> s.param.equals(value)).findFirst();
    }

    /** The accepted values, for error messages. */
    public static String params() {
        return Arrays.stream(values()).map(CustomerStatus::param).collect(Collectors.joining(", "));
    }
}
