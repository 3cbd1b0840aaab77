package dev.tollgate.admin.budget;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** SQL for {@code tg_budget}. Every method runs on the caller's connection (and transaction). */
public final class BudgetRepository {
    private static final String COLUMNS =
            "budget_id, max_budget_nanos, soft_budget_nanos, max_parallel_requests, tpm_limit,"
                    + " rpm_limit, model_max_budget, budget_duration, budget_reset_at, created_at, created_by, updated_at, updated_by";

    public void insert(Connection c, BudgetRow b) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tg_budget (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, b.budgetId());
            bindValues(ps, b, 2);
            ps.executeUpdate();
        }
    }

    /** Rewrites every mutable column of an existing budget; returns false when the row is gone. */
    public boolean update(Connection c, BudgetRow b) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tg_budget SET max_budget_nanos = ?, soft_budget_nanos = ?,"
                        + " max_parallel_requests = ?, tpm_limit = ?, rpm_limit = ?, model_max_budget = ?, budget_duration = ?,"
                        + " budget_reset_at = ?, created_at = ?, created_by = ?, updated_at = ?, updated_by = ? WHERE budget_id = ?")) {
            bindValues(ps, b, 1);
            ps.setString(13, b.budgetId());
            return ps.executeUpdate() == 1;
        }
    }

    public Optional<BudgetRow> find(Connection c, String budgetId) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM tg_budget WHERE budget_id = ?", List.of(budgetId)).stream()
                .findFirst();
    }

    /** Locks the row until the transaction ends, so concurrent edits of one budget serialise. */
    public Optional<BudgetRow> findForUpdate(Connection c, String budgetId) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM tg_budget WHERE budget_id = ? FOR UPDATE", List.of(budgetId))
                .stream()
                .findFirst();
    }

    /** The rows among {@code ids} that exist, ordered by id. */
    public List<BudgetRow> findAll(Connection c, Collection<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        String marks = String.join(", ", Collections.nCopies(ids.size(), "?"));
        return query(
                c,
                "SELECT " + COLUMNS + " FROM tg_budget WHERE budget_id IN (" + marks + ") ORDER BY budget_id",
                List.copyOf(ids));
    }

    /** Every budget with its linked-customer count, oldest first. */
    public List<BudgetListing> listWithCustomerCounts(Connection c) throws SQLException {
        String sql =
                "SELECT " + prefixed("b") + ", (SELECT COUNT(*) FROM tg_customer cu WHERE cu.budget_id = b.budget_id)"
                        + " AS customer_count FROM tg_budget b ORDER BY b.created_at, b.budget_id";
        List<BudgetListing> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new BudgetListing(map(rs), rs.getLong("customer_count")));
            }
        }
        return out;
    }

    public long customerCount(Connection c, String budgetId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM tg_customer WHERE budget_id = ?")) {
            ps.setString(1, budgetId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public boolean delete(Connection c, String budgetId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM tg_budget WHERE budget_id = ?")) {
            ps.setString(1, budgetId);
            return ps.executeUpdate() == 1;
        }
    }

    private static String prefixed(String alias) {
        return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
    }

    /** Binds every column after budget_id, starting at parameter {@code i}. */
    private static void bindValues(PreparedStatement ps, BudgetRow b, int i) throws SQLException {
        setLong(ps, i, b.maxBudgetNanos());
        setLong(ps, i + 1, b.softBudgetNanos());
        if (b.maxParallelRequests() == null) {
            ps.setNull(i + 2, Types.INTEGER);
        } else {
            ps.setInt(i + 2, b.maxParallelRequests());
        }
        setLong(ps, i + 3, b.tpmLimit());
        setLong(ps, i + 4, b.rpmLimit());
        ps.setString(i + 5, b.modelMaxBudget());
        ps.setString(i + 6, b.budgetDuration());
        setLong(ps, i + 7, b.budgetResetAt());
        ps.setLong(i + 8, b.createdAt());
        ps.setString(i + 9, b.createdBy());
        ps.setLong(i + 10, b.updatedAt());
        ps.setString(i + 11, b.updatedBy());
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static List<BudgetRow> query(Connection c, String sql, List<String> args) throws SQLException {
        List<BudgetRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setString(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
        }
        return out;
    }

    /** Maps the budget columns of the current row (by name, so joins may add columns). */
    public static BudgetRow map(ResultSet rs) throws SQLException {
        Integer parallel = rs.getInt("max_parallel_requests");
        if (rs.wasNull()) {
            parallel = null;
        }
        return new BudgetRow(
                rs.getString("budget_id"),
                getLong(rs, "max_budget_nanos"),
                getLong(rs, "soft_budget_nanos"),
                parallel,
                getLong(rs, "tpm_limit"),
                getLong(rs, "rpm_limit"),
                rs.getString("model_max_budget"),
                rs.getString("budget_duration"),
                getLong(rs, "budget_reset_at"),
                rs.getLong("created_at"),
                rs.getString("created_by"),
                rs.getLong("updated_at"),
                rs.getString("updated_by"));
    }

    private static Long getLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
