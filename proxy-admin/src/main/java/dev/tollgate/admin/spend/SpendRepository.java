package dev.tollgate.admin.spend;

import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingBatch.DailyUsage;
import dev.tollgate.core.limits.PendingBatch.PeriodSpend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Writes claimed pending-spend batches to the database, exactly once. Blocking JDBC: called from
 * the flusher's own thread (or the JDBC executor), never from an event loop.
 *
 * <p>Exactly once rests on {@code tg_spend_batch}: the batch id is inserted in the same
 * transaction as the spend, so a replay (a flusher died between commit and ack, or two flushers
 * raced for the same claimed batch) hits the primary key and changes nothing. Only plain
 * INSERT/UPDATE with unique-violation handling is used, so the same SQL runs on PostgreSQL and H2.
 */
public final class SpendRepository {
    /** SQLState of a unique (primary key) violation on PostgreSQL and H2. */
    static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private volatile Exception lastGroupFailure;

    public SpendRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A customer's persisted period spend and the end of the period it belongs to (0 = never ends). */
    public record CustomerSpend(long spendNanos, long periodEndMs) {}

    /**
     * Applies one batch in one transaction.
     *
     * @return true when applied now, false when this batch id was applied before (nothing changed)
     * @throws SQLException when the database failed; nothing was applied and the batch may be retried
     */
    public boolean applyBatch(PendingBatch batch, long nowMs) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!recordBatch(c, batch, nowMs)) {
                    c.rollback();
                    return false;
                }
                applySpend(c, batch, nowMs);
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restoreAutoCommit(c);
            }
        }
    }

    /** What became of one batch of {@link #applyBatches}. */
    public enum Outcome {
        /** Committed now. */
        APPLIED,
        /** Its id was applied before: nothing changed, its spend is in the database already. */
        APPLIED_BEFORE,
        /** Not applied (this batch's statements failed, or the commit did): retry it later. */
        FAILED
    }

    /**
     * Applies many batches (of distinct customers) in one transaction: one commit instead of one
     * per customer, which is what keeps a flush of many active customers cheap. Each batch runs
     * under its own savepoint, so a batch that fails is undone alone and the others still commit.
     * Customers are locked in id order, so two flushers that share customers (a fleet) cannot
     * deadlock on each other.
     *
     * @return the outcome of each batch, in the order given; all {@link Outcome#FAILED} if the
     *         connection or the commit failed (then nothing of this call was applied)
     */
    public List<Outcome> applyBatches(List<PendingBatch> batches, long nowMs) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(i -> batches.get(i).customerId()));
        Outcome[] outcomes = new Outcome[batches.size()];
        Arrays.fill(outcomes, Outcome.FAILED);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (int i : order) {
                    outcomes[i] = applyUnderSavepoint(c, batches.get(i), nowMs);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                Arrays.fill(outcomes, Outcome.FAILED);
                lastGroupFailure = e;
            } finally {
                restoreAutoCommit(c);
            }
        } catch (SQLException e) {
            Arrays.fill(outcomes, Outcome.FAILED);
            lastGroupFailure = e;
        }
        return List.of(outcomes);
    }

    /** Why the last failed batch or group of {@link #applyBatches} failed (for the flusher's log). */
    public Exception lastGroupFailure() {
        return lastGroupFailure;
    }

    private Outcome applyUnderSavepoint(Connection c, PendingBatch batch, long nowMs) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try {
            if (!recordBatch(c, batch, nowMs)) {
                c.rollback(sp);
                return Outcome.APPLIED_BEFORE;
            }
            applySpend(c, batch, nowMs);
            c.releaseSavepoint(sp);
            return Outcome.APPLIED;
        } catch (SQLException e) {
            // This batch alone is undone; a broken connection fails the commit, and so the group.
            c.rollback(sp);
            lastGroupFailure = e;
            return Outcome.FAILED;
        }
    }

    /** The spend and daily aggregates of a batch whose id was just recorded. */
    private static void applySpend(Connection c, PendingBatch batch, long nowMs) throws SQLException {
        CustomerSpend row = lockCustomer(c, batch.customerId(), nowMs);
        PeriodSpendRules.Totals after =
                PeriodSpendRules.apply(row.spendNanos(), row.periodEndMs(), batch.spendByPeriod(), nowMs);
        if (after.spendNanos() != row.spendNanos() || after.periodEndMs() != row.periodEndMs()) {
            updateCustomer(c, batch.customerId(), after, nowMs);
        }
        for (DailyUsage d : batch.daily()) {
            addDaily(c, batch.customerId(), d);
        }
    }

    /** The customer's persisted period spend, empty when the customer has no row. */
    public Optional<CustomerSpend> customerSpend(String customerId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT spend_nanos, spend_period_end FROM tg_customer WHERE user_id = ?")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new CustomerSpend(rs.getLong(1), rs.getLong(2))) : Optional.empty();
            }
        }
    }

    /** The customer's persisted spend in nano-dollars, 0 for an unknown customer. */
    public long persistedSpend(String customerId) throws SQLException {
        return customerSpend(customerId).map(CustomerSpend::spendNanos).orElse(0L);
    }

    /** Inserts the batch id; false when it is already there (the batch was applied before). */
    private static boolean recordBatch(Connection c, PendingBatch batch, long nowMs) throws SQLException {
        long total = 0;
        for (PeriodSpend p : batch.spendByPeriod()) {
            total = Math.addExact(total, p.spendNanos());
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tg_spend_batch (batch_id, customer_id, spend_nanos, applied_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, batch.batchId());
            ps.setString(2, batch.customerId());
            ps.setLong(3, total);
            ps.setLong(4, nowMs);
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Locks the customer's row for the rest of the transaction, creating it first when missing
     * (the first flushed call creates the customer, without a budget: the default budget applies
     * at check time). A concurrent creator is tolerated: its insert wins and we lock its row.
     */
    private static CustomerSpend lockCustomer(Connection c, String customerId, long nowMs) throws SQLException {
        CustomerSpend row = selectForUpdate(c, customerId);
        if (row != null) {
            return row;
        }
        // A savepoint, because on PostgreSQL a failed statement would otherwise abort the whole
        // transaction, including the batch id recorded above.
        Savepoint sp = c.setSavepoint();
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO tg_customer (user_id, spend_nanos, spend_period_end, blocked, "
                        + "created_at, updated_at) VALUES (?, 0, 0, FALSE, ?, ?)")) {
            ps.setString(1, customerId);
            ps.setLong(2, nowMs);
            ps.setLong(3, nowMs);
            ps.executeUpdate();
            c.releaseSavepoint(sp);
        } catch (SQLException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
            c.rollback(sp);
        }
        row = selectForUpdate(c, customerId);
        if (row == null) {
            throw new SQLException("Customer row " + customerId + " vanished while applying spend");
        }
        return row;
    }

    private static CustomerSpend selectForUpdate(Connection c, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT spend_nanos, spend_period_end FROM tg_customer WHERE user_id = ? FOR UPDATE")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new CustomerSpend(rs.getLong(1), rs.getLong(2)) : null;
            }
        }
    }

    private static void updateCustomer(Connection c, String customerId, PeriodSpendRules.Totals t, long nowMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tg_customer SET spend_nanos = ?, spend_period_end = ?, updated_at = ? WHERE user_id = ?")) {
            ps.setLong(1, t.spendNanos());
            ps.setLong(2, t.periodEndMs());
            ps.setLong(3, nowMs);
            ps.setString(4, customerId);
            ps.executeUpdate();
        }
    }

    /** Adds one day/model aggregate: update, else insert, else (a concurrent insert won) update. */
    private static void addDaily(Connection c, String customerId, DailyUsage d) throws SQLException {
        if (updateDaily(c, customerId, d)) {
            return;
        }
        Savepoint sp = c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tg_daily_customer_spend (customer_id, usage_day, model, requests, "
                        + "successful_requests, failed_requests, prompt_tokens, completion_tokens, spend_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, customerId);
            ps.setString(2, d.day());
            ps.setString(3, d.model());
            ps.setLong(4, d.requests());
            ps.setLong(5, d.successfulRequests());
            ps.setLong(6, failed(d));
            ps.setLong(7, d.promptTokens());
            ps.setLong(8, d.completionTokens());
            ps.setLong(9, d.spendNanos());
            ps.executeUpdate();
            c.releaseSavepoint(sp);
        } catch (SQLException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
            c.rollback(sp);
            if (!updateDaily(c, customerId, d)) {
                throw new SQLException(
                        "Daily spend row of " + customerId + " " + d.day() + " " + d.model() + " vanished", e);
            }
        }
    }

    private static boolean updateDaily(Connection c, String customerId, DailyUsage d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE tg_daily_customer_spend SET requests = requests + ?, "
                + "successful_requests = successful_requests + ?, failed_requests = failed_requests + ?, "
                + "prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, spend_nanos = spend_nanos + ? "
                + "WHERE customer_id = ? AND usage_day = ? AND model = ?")) {
            ps.setLong(1, d.requests());
            ps.setLong(2, d.successfulRequests());
            ps.setLong(3, failed(d));
            ps.setLong(4, d.promptTokens());
            ps.setLong(5, d.completionTokens());
            ps.setLong(6, d.spendNanos());
            ps.setString(7, customerId);
            ps.setString(8, d.day());
            ps.setString(9, d.model());
            return ps.executeUpdate() > 0;
        }
    }

    private static long failed(DailyUsage d) {
        return Math.max(0, d.requests() - d.successfulRequests());
    }

    static boolean isUniqueViolation(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (UNIQUE_VIOLATION.equals(x.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Pooled connections go back in auto-commit; a broken one is discarded by the pool anyway. */
    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the original failure (if any) is what matters to the caller
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException r) {
            cause.addSuppressed(r);
        }
    }
}
