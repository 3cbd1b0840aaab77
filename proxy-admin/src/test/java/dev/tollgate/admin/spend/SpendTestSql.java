package dev.tollgate.admin.spend;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Small SQL helpers for the spend tests: read what the code under test wrote, seed fixtures. */
final class SpendTestSql {
    private SpendTestSql() {}

    /** One row of tg_daily_customer_spend. */
    record Daily(long requests, long successful, long failed, long prompt, long completion, long spendNanos) {}

    static Daily daily(DataSource ds, String customer, String day, String model) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT requests, successful_requests, "
                        + "failed_requests, prompt_tokens, completion_tokens, spend_nanos FROM tg_daily_customer_spend "
                        + "WHERE customer_id = ? AND usage_day = ? AND model = ?")) {
            ps.setString(1, customer);
            ps.setString(2, day);
            ps.setString(3, model);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new Daily(
                                rs.getLong(1),
                                rs.getLong(2),
                                rs.getLong(3),
                                rs.getLong(4),
                                rs.getLong(5),
                                rs.getLong(6))
                        : null;
            }
        }
    }

    static long count(DataSource ds, String sql, Object... args) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static String string(DataSource ds, String sql, Object... args) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static void exec(DataSource ds, String sql, Object... args) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    static void insertBudget(DataSource ds, String id, Long maxNanos, Long rpm, Long tpm, String duration, Long resetAt)
            throws SQLException {
        exec(
                ds,
                "INSERT INTO tg_budget (budget_id, max_budget_nanos, rpm_limit, tpm_limit, budget_duration, budget_reset_at, "
                        + "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 0, 'test', 0, 'test')",
                id,
                maxNanos,
                rpm,
                tpm,
                duration,
                resetAt);
    }

    static void insertCustomer(DataSource ds, String id, String budgetId, long spend, long periodEnd, boolean blocked)
            throws SQLException {
        exec(
                ds,
                "INSERT INTO tg_customer (user_id, budget_id, spend_nanos, spend_period_end, blocked, created_at, updated_at) "
                        + "VALUES (?, ?, ?, ?, ?, 0, 0)",
                id,
                budgetId,
                spend,
                periodEnd,
                blocked);
    }
}
