package dev.tollgate.admin.spend;

import dev.tollgate.core.limits.BatchIds;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingBatch.PeriodSpend;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Writes claimed pending-spend batches to the database, exactly once, with set-based statements:
 * a group of batches costs a handful of statements whatever its size (PostgreSQL:
 * {@code INSERT … SELECT FROM unnest(…) ON CONFLICT}; H2: {@code MERGE … USING UNNEST(…)}).
 * Blocking JDBC: called from the flusher's own thread (or the journal's), never from an event loop.
 *
 * <p><b>Exactly once</b> rests on {@code tg_spend_batch}: the batch id is inserted in the same
 * transaction as the spend, so a replay (a flusher died between commit and ack, two flushers raced
 * for the same claimed batch, an ack was lost) finds its id and changes nothing.
 *
 * <p><b>Pruning.</b> A batch id can come back only while some store still holds it as the claimed
 * batch, or while a flusher that claimed it has not finished its pass; an acknowledged id is never
 * handed out again (a new claim gets a new id). Ids carry their claim time ({@link BatchIds}), so
 * rows are kept for {@code retention} and then deleted, and a batch whose id is older than
 * {@code retention − margin} (the margin covers clock skew between instances) is no longer trusted
 * to the table: if its id is still there it was applied before, otherwise it is
 * {@link Outcome#UNVERIFIABLE} and goes to quarantine instead of being applied a second time.
 *
 * <p><b>Poison batches.</b> A statement of a group fails as a whole. When the database refuses the
 * data itself (SQLSTATE class 22 or 23: a value too long, out of range, not encodable), the group is
 * split in halves and retried until the batch at fault is alone; it comes back
 * {@link Outcome#REJECTED} and the rest commit. A unique violation is a race with a concurrent
 * writer, not bad data: the group is tried again. Any other failure (connection, deadlock, timeout)
 * fails the whole group, which is retried on the next pass.
 */
public final class SpendRepository {
    /** SQLState of a unique (primary key) violation on PostgreSQL and H2. */
    static final String UNIQUE_VIOLATION = "23505";
    /** How long applied batch ids are kept by default. */
    public static final Duration DEFAULT_BATCH_RETENTION = Duration.ofHours(1);
    /** Rows deleted per prune statement, so a prune never holds long locks. */
    static final int PRUNE_CHUNK = 20_000;

    private final DataSource dataSource;
    private final long retentionMs;
    private final long trustedAgeMs;
    private volatile SpendSql sql;
    private volatile Exception lastGroupFailure;

    public SpendRepository(DataSource dataSource) {
        this(dataSource, DEFAULT_BATCH_RETENTION);
    }

    /** @param retention how long applied batch ids are kept (at least one minute) */
    public SpendRepository(DataSource dataSource, Duration retention) {
        if (retention.toMillis() < 60_000) {
            throw new IllegalArgumentException("batch id retention must be at least one minute: " + retention);
        }
        this.dataSource = dataSource;
        this.retentionMs = retention.toMillis();
        // Clock skew between the instance that claimed a batch and the one that prunes is covered by
        // trusting the table only for ids younger than the retention minus this margin.
        long margin = Math.min(10 * 60_000L, retentionMs / 4);
        this.trustedAgeMs = retentionMs - margin;
    }

    /** A customer's persisted period spend and the end of the period it belongs to (0 = never ends). */
    public record CustomerSpend(long spendNanos, long periodEndMs) {}

    /** What became of one batch. */
    public enum Outcome {
        /** Committed now. */
        APPLIED,
        /** Its id was applied before: nothing changed, its spend is in the database already. */
        APPLIED_BEFORE,
        /** Not applied because of a failure that may pass (database down, deadlock): retry it later. */
        FAILED,
        /** The database refuses this batch's data: retrying cannot help; quarantine it. */
        REJECTED,
        /** Older than the retention of applied ids and not found: it cannot be told whether it was applied. */
        UNVERIFIABLE
    }

    /** The outcome of one batch and, unless it was applied, why. */
    public record Result(Outcome outcome, Exception error) {
        static final Result APPLIED = new Result(Outcome.APPLIED, null);
        static final Result APPLIED_BEFORE = new Result(Outcome.APPLIED_BEFORE, null);

        public boolean inDatabase() {
            return outcome == Outcome.APPLIED || outcome == Outcome.APPLIED_BEFORE;
        }
    }

    /**
     * Applies one batch in one transaction (the journal's path).
     *
     * @return true when applied now, false when this batch id was applied before (nothing changed)
     * @throws SQLException when it was not applied: the database failed, or refuses the batch
     */
    public boolean applyBatch(PendingBatch batch, long nowMs) throws SQLException {
        Result r = apply(List.of(batch), nowMs).get(0);
        if (r.inDatabase()) {
            return r.outcome() == Outcome.APPLIED;
        }
        throw r.error() instanceof SQLException e
                ? e
                : new SQLException("spend batch " + batch.batchId() + " not applied: " + r.outcome(), r.error());
    }

    /** {@link #apply} reduced to the outcomes. */
    public List<Outcome> applyBatches(List<PendingBatch> batches, long nowMs) {
        return apply(batches, nowMs).stream().map(Result::outcome).toList();
    }

    /**
     * Applies many batches (of distinct customers) in one transaction when it can: see the class
     * comment for how a batch the database refuses is isolated.
     *
     * @return the result of each batch, in the order given
     */
    public List<Result> apply(List<PendingBatch> batches, long nowMs) {
        Result[] results = new Result[batches.size()];
        List<Integer> current = new ArrayList<>();
        List<Integer> old = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            long claimedAt = BatchIds.claimedAtMs(batches.get(i).batchId());
            (claimedAt >= 0 && claimedAt < nowMs - trustedAgeMs ? old : current).add(i);
        }
        if (!old.isEmpty()) {
            checkOld(batches, old, results);
        }
        applyGroup(batches, current, nowMs, results);
        return List.of(results);
    }

    /** Why the last failed batch or group failed (for the flusher's log). */
    public Exception lastGroupFailure() {
        return lastGroupFailure;
    }

    /** Batches too old for the table's word: applied before when their id is still there, else unverifiable. */
    private void checkOld(List<PendingBatch> batches, List<Integer> old, Result[] results) {
        try (Connection c = dataSource.getConnection()) {
            List<String> ids = old.stream().map(i -> batches.get(i).batchId()).toList();
            Set<String> found = sql(c).existingBatchIds(c, ids);
            for (int i : old) {
                results[i] = found.contains(batches.get(i).batchId())
                        ? Result.APPLIED_BEFORE
                        : new Result(
                                Outcome.UNVERIFIABLE,
                                new IllegalStateException("batch claimed more than " + trustedAgeMs / 60_000
                                        + " minutes ago and not among the applied batch ids kept; it may have been"
                                        + " applied before"));
            }
        } catch (SQLException e) {
            lastGroupFailure = e;
            for (int i : old) {
                results[i] = new Result(Outcome.FAILED, e);
            }
        }
    }

    /** One transaction for the group; on a data error, each half on its own until the culprit is alone. */
    private void applyGroup(List<PendingBatch> batches, List<Integer> group, long nowMs, Result[] results) {
        if (group.isEmpty()) {
            return;
        }
        try {
            Set<String> fresh =
                    applyRetryingRaces(group.stream().map(batches::get).toList(), nowMs);
            for (int i : group) {
                results[i] = fresh.contains(batches.get(i).batchId()) ? Result.APPLIED : Result.APPLIED_BEFORE;
            }
        } catch (SQLException | RuntimeException e) {
            lastGroupFailure = e;
            if (!refusesTheData(e)) {
                for (int i : group) {
                    results[i] = new Result(Outcome.FAILED, e);
                }
            } else if (group.size() == 1) {
                results[group.get(0)] = new Result(Outcome.REJECTED, e);
            } else {
                int half = group.size() / 2;
                applyGroup(batches, group.subList(0, half), nowMs, results);
                applyGroup(batches, group.subList(half, group.size()), nowMs, results);
            }
        }
    }

    /**
     * A unique violation means a concurrent transaction inserted the same batch id or customer row
     * first (H2's MERGE does not wait for it as PostgreSQL's ON CONFLICT does): once it committed, a
     * retry sees its rows.
     */
    private Set<String> applyRetryingRaces(List<PendingBatch> group, long nowMs) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return applyInOneTransaction(group, nowMs);
            } catch (SQLException e) {
                if (!isUniqueViolation(e) || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** @return the ids applied now (the others were applied before) */
    private Set<String> applyInOneTransaction(List<PendingBatch> group, long nowMs) throws SQLException {
        List<PendingBatch> sorted = new ArrayList<>(group);
        // Rows are locked in id order, so flushers sharing customers (a fleet) cannot deadlock.
        sorted.sort(Comparator.comparing(PendingBatch::customerId).thenComparing(PendingBatch::batchId));
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                SpendSql q = sql(c);
                Set<String> fresh = q.recordBatchIds(c, sorted, nowMs);
                List<PendingBatch> toApply = new ArrayList<>(fresh.size());
                List<PendingBatch> onePeriod = new ArrayList<>(fresh.size());
                List<PendingBatch> other = new ArrayList<>();
                Set<String> customers = new HashSet<>();
                for (PendingBatch b : sorted) {
                    if (fresh.contains(b.batchId())) {
                        toApply.add(b);
                        // One upsert may touch a row once: a second batch of a customer takes the Java path.
                        boolean simple = b.spendByPeriod().size() == 1 && customers.add(b.customerId());
                        (simple ? onePeriod : other).add(b);
                    }
                }
                q.upsertCustomers(c, onePeriod, nowMs);
                for (PendingBatch b : other) {
                    applyRowByRow(c, q, b, nowMs);
                }
                q.upsertDaily(c, toApply);
                q.upsertModelSpend(c, toApply);
                c.commit();
                return fresh;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restoreAutoCommit(c);
            }
        }
    }

    /** A batch spanning several periods (a rollover between two flushes), or none: the rules applied in Java. */
    private static void applyRowByRow(Connection c, SpendSql q, PendingBatch b, long nowMs) throws SQLException {
        q.insertCustomerIfMissing(c, b.customerId(), nowMs);
        CustomerSpend row = selectForUpdate(c, b.customerId());
        if (row == null) {
            throw new SQLException("Customer row " + b.customerId() + " vanished while applying spend");
        }
        PeriodSpendRules.Totals after =
                PeriodSpendRules.apply(row.spendNanos(), row.periodEndMs(), b.spendByPeriod(), nowMs);
        if (after.spendNanos() != row.spendNanos() || after.periodEndMs() != row.periodEndMs()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tg_customer SET spend_nanos = ?, spend_period_end = ?, updated_at = ? WHERE user_id = ?")) {
                ps.setLong(1, after.spendNanos());
                ps.setLong(2, after.periodEndMs());
                ps.setLong(3, nowMs);
                ps.setString(4, b.customerId());
                ps.executeUpdate();
            }
        }
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

    /** The persisted spend of one of the customer's model entries in the period ending {@code periodEndMs}. */
    public long modelSpend(String customerId, String model, long periodEndMs) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT spend_nanos FROM tg_customer_model_spend"
                        + " WHERE customer_id = ? AND model = ? AND period_end_ms = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, model);
            ps.setLong(3, periodEndMs);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** The customer's persisted spend in nano-dollars, 0 for an unknown customer. */
    public long persistedSpend(String customerId) throws SQLException {
        return customerSpend(customerId).map(CustomerSpend::spendNanos).orElse(0L);
    }

    /**
     * Deletes applied batch ids older than the retention, at most {@code maxRows} of them.
     *
     * @return rows deleted
     */
    public int pruneAppliedBatchIds(long nowMs, int maxRows) throws SQLException {
        int total = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM tg_spend_batch WHERE batch_id IN"
                        + " (SELECT batch_id FROM tg_spend_batch WHERE applied_at < ? LIMIT " + PRUNE_CHUNK + ")")) {
            while (total < maxRows) {
                ps.setLong(1, nowMs - retentionMs);
                int n = ps.executeUpdate();
                total += n;
                if (n < PRUNE_CHUNK) {
                    break;
                }
            }
        }
        return total;
    }

    /** How long applied batch ids are kept. */
    public Duration retention() {
        return Duration.ofMillis(retentionMs);
    }

    /**
     * Keeps a batch that cannot be applied in {@code tg_spend_quarantine}, whole (JSON), with why.
     * Idempotent on the batch id, so a batch quarantined before its ack was lost is not kept twice.
     *
     * @param reason {@code rejected} or {@code unverifiable}
     */
    public void quarantine(PendingBatch batch, String reason, Exception error, long nowMs) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO tg_spend_quarantine (batch_id, reason, payload, error, quarantined_at)"
                                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, batch.batchId());
            ps.setString(2, reason);
            ps.setString(3, QuarantinePayload.json(batch));
            ps.setString(4, QuarantinePayload.describe(error));
            ps.setLong(5, nowMs);
            ps.executeUpdate();
        }
    }

    /** Quarantined batches no operator has resolved yet. */
    public long unresolvedQuarantined() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT COUNT(*) FROM tg_spend_quarantine WHERE resolved_at IS NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private SpendSql sql(Connection c) throws SQLException {
        SpendSql s = sql;
        if (s == null) {
            s = SpendSql.forDatabase(c.getMetaData().getDatabaseProductName());
            sql = s;
        }
        return s;
    }

    /**
     * True when the database refused the data rather than failed: SQLSTATE class 22 (data
     * exception) or 23 (integrity), or arithmetic overflow in Java. Only those are isolated.
     */
    static boolean refusesTheData(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ArithmeticException) {
                return true;
            }
            if (t instanceof SQLException s) {
                for (SQLException x = s; x != null; x = x.getNextException()) {
                    String state = x.getSQLState();
                    if (state != null
                            && (state.startsWith("22") || state.startsWith("23"))
                            && !UNIQUE_VIOLATION.equals(state)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static boolean isUniqueViolation(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (UNIQUE_VIOLATION.equals(x.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    static long total(PendingBatch b) {
        long total = 0;
        for (PeriodSpend p : b.spendByPeriod()) {
            total = Math.addExact(total, p.spendNanos());
        }
        return total;
    }

    static Set<String> ids(List<PendingBatch> batches) {
        Set<String> out = new HashSet<>(batches.size() * 2);
        for (PendingBatch b : batches) {
            out.add(b.batchId());
        }
        return out;
    }

    static String[] strings(List<String> values) {
        return values.toArray(String[]::new);
    }

    static Long[] longs(long[] values) {
        return Arrays.stream(values).boxed().toArray(Long[]::new);
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
