package dev.tollgate.admin.catalog;

import dev.tollgate.admin.catalog.CustomerCatalog.Ledger;
import dev.tollgate.core.budget.BudgetDuration;
import dev.tollgate.core.budget.ModelBudgets;
import dev.tollgate.core.limits.CustomerLimits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a customer's policy and persisted spend from the database (blocking JDBC: run it on the
 * JDBC executor). The budget that applies is the customer's own when {@code budget_id} is set,
 * else the default budget ({@code max_end_user_budget_id}) when configured, else none; a customer
 * without a row gets the default budget too, so a new caller is limited from its first request.
 */
final class PolicyLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyLoader.class);

    private final DataSource dataSource;
    private final String defaultBudgetId;
    private final ZoneId zone;

    PolicyLoader(DataSource dataSource, String defaultBudgetId, ZoneId zone) {
        this.dataSource = dataSource;
        this.defaultBudgetId = defaultBudgetId == null || defaultBudgetId.isBlank() ? null : defaultBudgetId;
        this.zone = zone;
    }

    /** A loaded policy with the budget's duration, kept so a cached period end can be rolled forward without I/O. */
    record Loaded(CustomerPolicy policy, BudgetDuration duration) {}

    Loaded load(String customerId, long nowMs) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return build(c, customerId, customer(c, customerId), nowMs);
        }
    }

    /**
     * The policies of many customers in two queries (their rows, then the budgets they use); a
     * customer without a row gets the default budget's policy, marked unknown.
     */
    Map<String, Loaded> loadAll(Collection<String> customerIds, long nowMs) throws SQLException {
        Map<String, CustomerRow> rows = new HashMap<>();
        Map<String, Loaded> out = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT user_id, blocked, budget_id, spend_nanos, spend_period_end, allowed_model_region,"
                            + " default_model FROM tg_customer WHERE user_id IN (SELECT u.id FROM UNNEST("
                            + arrayParameter(c) + ") AS u(id))")) {
                ps.setArray(1, c.createArrayOf("varchar", customerIds.toArray(String[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.put(
                                rs.getString(1),
                                new CustomerRow(
                                        rs.getBoolean(2),
                                        rs.getString(3),
                                        rs.getLong(4),
                                        rs.getLong(5),
                                        rs.getString(6),
                                        rs.getString(7)));
                    }
                }
            }
            Map<String, BudgetRow> budgets = new HashMap<>();
            for (String id : customerIds) {
                CustomerRow row = rows.get(id);
                String budgetId = row != null && row.budgetId() != null ? row.budgetId() : defaultBudgetId;
                if (budgetId != null && !budgets.containsKey(budgetId)) {
                    budgets.put(budgetId, budget(c, budgetId));
                }
            }
            for (String id : customerIds) {
                CustomerRow row = rows.get(id);
                String budgetId = row != null && row.budgetId() != null ? row.budgetId() : defaultBudgetId;
                out.put(id, build(id, row, budgetId == null ? null : budgets.get(budgetId), nowMs));
            }
        }
        return out;
    }

    private static String arrayParameter(Connection c) throws SQLException {
        return c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres")
                ? "?::varchar[]"
                : "CAST(? AS VARCHAR ARRAY)";
    }

    /** The policy of a customer without a row (the default budget's, or unlimited); {@code customerId} is a placeholder. */
    Loaded loadDefault(String customerId, long nowMs) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return build(c, customerId, null, nowMs);
        }
    }

    private Loaded build(Connection c, String customerId, CustomerRow row, long nowMs) throws SQLException {
        String budgetId = row != null && row.budgetId() != null ? row.budgetId() : defaultBudgetId;
        return build(customerId, row, budgetId == null ? null : budget(c, budgetId), nowMs);
    }

    private Loaded build(String customerId, CustomerRow row, BudgetRow budget, long nowMs) {
        {
            BudgetDuration duration = duration(budget);
            CustomerLimits limits = budget == null
                    ? CustomerLimits.UNLIMITED
                    : new CustomerLimits(
                            orUnlimited(budget.maxBudgetNanos()),
                            orUnlimited(budget.rpm()),
                            orUnlimited(budget.tpm()),
                            periodEnd(duration, budget.resetAtMs(), nowMs),
                            orUnlimited(budget.softBudgetNanos()),
                            orUnlimited(budget.maxParallel()));
            boolean known = row != null;
            ModelBudgets modelBudgets = modelBudgets(budget);
            CustomerPolicy policy = new CustomerPolicy(
                    customerId,
                    known,
                    known && row.blocked(),
                    budget == null ? null : budget.id(),
                    limits,
                    known ? row.allowedRegion() : null,
                    known ? row.defaultModel() : null,
                    modelBudgets);
            return new Loaded(policy, duration);
        }
    }

    /**
     * The persisted spend of the current period: the row's spend when it belongs to the period in
     * force now, otherwise 0 because the period rolled over before the reset job zeroed the row.
     * Read exactly as {@code SpendRepository} applies spend: a period-less row carries over into a
     * budget that just got a duration, and a row whose period is still running carries over into a
     * budget that just lost its duration. The row and the batch are read by one statement, so they
     * come from one snapshot: a flush committing in between is seen in both or in neither.
     */
    Ledger ledger(String customerId, String batchId, long nowMs) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            LedgerRow row = ledgerRow(c, customerId, batchId);
            String budgetId = row.exists() && row.budgetId() != null ? row.budgetId() : defaultBudgetId;
            BudgetRow budget = budgetId == null ? null : budget(c, budgetId);
            long current = budget == null ? 0 : periodEnd(duration(budget), budget.resetAtMs(), nowMs);
            if (!row.exists()) {
                return new Ledger(0, current, row.batchApplied());
            }
            long stored = row.spendPeriodEnd();
            boolean samePeriod = stored == current || stored == 0 || (current == 0 && nowMs < stored);
            return new Ledger(samePeriod ? row.spendNanos() : 0, current, row.batchApplied());
        }
    }

    /**
     * The persisted spend of one model entry and period, and whether {@code batchId} is committed,
     * read by one statement (one snapshot), as {@link #ledger} does for the customer's spend.
     */
    CustomerCatalog.Ledger modelLedger(String customerId, String model, long periodEndMs, String batchId)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT"
                        + " (SELECT spend_nanos FROM tg_customer_model_spend WHERE customer_id = ? AND model = ?"
                        + " AND period_end_ms = ?),"
                        + " (SELECT COUNT(*) FROM tg_spend_batch WHERE batch_id = ?)")) {
            ps.setString(1, customerId);
            ps.setString(2, model);
            ps.setLong(3, periodEndMs);
            ps.setString(4, batchId == null ? "" : batchId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new CustomerCatalog.Ledger(rs.getLong(1), periodEndMs, rs.getLong(2) > 0);
            }
        }
    }

    /** End of the period in force at {@code nowMs}; 0 when the budget never resets. */
    long periodEnd(BudgetDuration duration, Long resetAtMs, long nowMs) {
        if (duration == null) {
            return 0;
        }
        Instant stored = resetAtMs == null ? null : Instant.ofEpochMilli(resetAtMs);
        return duration.currentPeriodEnd(stored, Instant.ofEpochMilli(nowMs), zone)
                .toEpochMilli();
    }

    ZoneId zone() {
        return zone;
    }

    private record CustomerRow(
            boolean blocked,
            String budgetId,
            long spendNanos,
            long spendPeriodEnd,
            String allowedRegion,
            String defaultModel) {}

    private record BudgetRow(
            String id,
            Long maxBudgetNanos,
            Long rpm,
            Long tpm,
            String duration,
            Long resetAtMs,
            Long softBudgetNanos,
            Long maxParallel,
            String modelMaxBudget) {}

    private record LedgerRow(
            boolean exists, String budgetId, long spendNanos, long spendPeriodEnd, boolean batchApplied) {}

    private static LedgerRow ledgerRow(Connection c, String customerId, String batchId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT"
                + " (SELECT COUNT(*) FROM tg_customer WHERE user_id = ?),"
                + " (SELECT budget_id FROM tg_customer WHERE user_id = ?),"
                + " (SELECT spend_nanos FROM tg_customer WHERE user_id = ?),"
                + " (SELECT spend_period_end FROM tg_customer WHERE user_id = ?),"
                + " (SELECT COUNT(*) FROM tg_spend_batch WHERE batch_id = ?)")) {
            for (int i = 1; i <= 4; i++) {
                ps.setString(i, customerId);
            }
            ps.setString(5, batchId == null ? "" : batchId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new LedgerRow(
                        rs.getLong(1) > 0, rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5) > 0);
            }
        }
    }

    private static CustomerRow customer(Connection c, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT blocked, budget_id, spend_nanos, spend_period_end, allowed_model_region, default_model"
                        + " FROM tg_customer WHERE user_id = ?")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new CustomerRow(
                                rs.getBoolean(1),
                                rs.getString(2),
                                rs.getLong(3),
                                rs.getLong(4),
                                rs.getString(5),
                                rs.getString(6))
                        : null;
            }
        }
    }

    private static BudgetRow budget(Connection c, String budgetId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT max_budget_nanos, rpm_limit, tpm_limit, budget_duration, budget_reset_at,"
                        + " soft_budget_nanos, max_parallel_requests, model_max_budget FROM tg_budget WHERE budget_id = ?")) {
            ps.setString(1, budgetId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new BudgetRow(
                        budgetId,
                        nullableLong(rs, 1),
                        nullableLong(rs, 2),
                        nullableLong(rs, 3),
                        rs.getString(4),
                        nullableLong(rs, 5),
                        nullableLong(rs, 6),
                        nullableLong(rs, 7),
                        rs.getString(8));
            }
        }
    }

    private static BudgetDuration duration(BudgetRow budget) {
        if (budget == null || budget.duration() == null || budget.duration().isBlank()) {
            return null;
        }
        try {
            return BudgetDuration.parse(budget.duration());
        } catch (IllegalArgumentException e) {
            // The admin API validates durations; a bad stored value must not take the hot path down.
            LOG.warn(
                    "Budget {} has an invalid budget_duration '{}'; treating it as never resetting",
                    budget.id(),
                    budget.duration());
            return null;
        }
    }

    private ModelBudgets modelBudgets(BudgetRow budget) {
        if (budget == null || budget.modelMaxBudget() == null) {
            return null;
        }
        try {
            ModelBudgets parsed = ModelBudgets.parseStored(budget.modelMaxBudget());
            return parsed == null || parsed.isEmpty() ? null : parsed.inZone(zone);
        } catch (IllegalArgumentException e) {
            // The admin API validates and stores canonical JSON; a hand-edited row must not take the
            // hot path down. Logged loudly: its limits are not enforced.
            LOG.error(
                    "Budget {} has an invalid model_max_budget ({}); its model budgets are NOT enforced",
                    budget.id(),
                    e.getMessage());
            return null;
        }
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static long orUnlimited(Long v) {
        return v == null ? -1 : v;
    }
}
