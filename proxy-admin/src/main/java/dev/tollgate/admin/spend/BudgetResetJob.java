package dev.tollgate.admin.spend;

import dev.tollgate.core.budget.BudgetDuration;
import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.core.threads.DaemonThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the database's period spend in step with budget periods: when a budget's
 * {@code budget_reset_at} has passed, it moves it to the next calendar-aligned reset and zeroes
 * the spend of that budget's customers, in one transaction, then tells every instance's catalogue
 * to drop its cache (after the commit, LiteLLM #39729).
 *
 * <ul>
 *   <li>Customers on the default budget have no {@code budget_id}; they are reset with the default
 *       budget (LiteLLM #24675).</li>
 *   <li>A budget with a duration but no {@code budget_reset_at} only gets its reset time set: its
 *       customers' spend belongs to the period that starts now, and zeroing it would repeat
 *       LiteLLM #22013.</li>
 *   <li>Several instances may run the job: the reset time is moved with a compare-and-set, so one
 *       wins and the others skip the budget.</li>
 *   <li>A customer row already in the new (or a later) period is left alone: the flusher moved it
 *       there with new-period spend, because the limit store resets lazily and does not wait for
 *       this job.</li>
 * </ul>
 * The limit store needs no touch: it resets its own counters when its stored period end passes.
 */
public final class BudgetResetJob implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetResetJob.class);

    private final DataSource dataSource;
    private final InvalidationBus bus;
    private final String defaultBudgetId;
    private final ZoneId zone;
    private final Clock clock;
    private final Duration interval;
    private final ScheduledExecutorService thread;
    private boolean started;

    /**
     * @param defaultBudgetId {@code litellm_settings.max_end_user_budget_id}, or null
     * @param zone            {@code litellm_settings.timezone}
     * @param interval        how often to look for due budgets (default 10 s)
     */
    public BudgetResetJob(
            DataSource dataSource,
            InvalidationBus bus,
            String defaultBudgetId,
            ZoneId zone,
            Clock clock,
            Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("reset interval must be positive: " + interval);
        }
        this.dataSource = dataSource;
        this.bus = bus;
        this.defaultBudgetId = defaultBudgetId == null || defaultBudgetId.isBlank() ? null : defaultBudgetId;
        this.zone = zone;
        this.clock = clock;
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tollgate-budget-reset"));
    }

    /** Runs the job every interval on its own daemon thread. Idempotent. */
    public synchronized void start() {
        if (!started) {
            started = true;
            long ms = interval.toMillis();
            thread.scheduleWithFixedDelay(this::scheduledRun, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One run: resets every due budget.
     *
     * @return the number of budgets this instance reset (budgets only initialised are not counted)
     */
    public int runOnce() throws SQLException {
        Instant now = clock.instant();
        int reset = 0;
        try {
            for (DueBudget due : dueBudgets(now.toEpochMilli())) {
                if (resetBudget(due, now)) {
                    reset++;
                }
            }
        } finally {
            // After the commits, even when a later budget failed: caches must not keep a reset budget's old view.
            if (reset > 0) {
                bus.publish(InvalidationBus.ALL);
            }
        }
        return reset;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void scheduledRun() {
        try {
            int n = runOnce();
            if (n > 0) {
                LOG.info("Reset {} budget(s)", n);
            }
        } catch (SQLException | RuntimeException e) {
            // Retried next tick; a down database must not stop the schedule.
            LOG.warn("Budget reset run failed: {}", e.toString());
        }
    }

    private record DueBudget(String budgetId, BudgetDuration duration, Long resetAtMs) {}

    private List<DueBudget> dueBudgets(long nowMs) throws SQLException {
        List<DueBudget> due = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT budget_id, budget_duration, "
                                + "budget_reset_at FROM tg_budget WHERE budget_duration IS NOT NULL AND (budget_reset_at IS NULL OR budget_reset_at <= ?)")) {
            ps.setLong(1, nowMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    long resetAt = rs.getLong(3);
                    Long old = rs.wasNull() ? null : resetAt;
                    try {
                        due.add(new DueBudget(id, BudgetDuration.parse(rs.getString(2)), old));
                    } catch (IllegalArgumentException e) {
                        LOG.warn(
                                "Budget {} has an invalid budget_duration '{}'; not resetting it", id, rs.getString(2));
                    }
                }
            }
        }
        return due;
    }

    /** Resets one budget in one transaction; false when another instance did it first (or it was only initialised). */
    private boolean resetBudget(DueBudget due, Instant now) throws SQLException {
        long next = due.duration().nextReset(now, zone).toEpochMilli();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!moveResetTime(c, due, next)) {
                    c.rollback();
                    return false;
                }
                if (due.resetAtMs() == null) {
                    c.commit();
                    return false;
                }
                int customers = zeroSpend(c, "budget_id = ?", due.budgetId(), next);
                if (due.budgetId().equals(defaultBudgetId)) {
                    customers += zeroSpend(c, "budget_id IS NULL", null, next);
                }
                c.commit();
                LOG.debug(
                        "Budget {} reset: {} customer(s) zeroed, next reset at {}",
                        due.budgetId(),
                        customers,
                        Instant.ofEpochMilli(next));
                return true;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // a broken connection is discarded by the pool
                }
            }
        }
    }

    /** Compare-and-set of budget_reset_at: only the instance that still sees the old value moves it. */
    private static boolean moveResetTime(Connection c, DueBudget due, long next) throws SQLException {
        String sql = "UPDATE tg_budget SET budget_reset_at = ? WHERE budget_id = ? AND "
                + (due.resetAtMs() == null ? "budget_reset_at IS NULL" : "budget_reset_at = ?");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, next);
            ps.setString(2, due.budgetId());
            if (due.resetAtMs() != null) {
                ps.setLong(3, due.resetAtMs());
            }
            return ps.executeUpdate() == 1;
        }
    }

    /** Zeroes the period spend of the selected customers still in an older period than {@code next}. */
    private static int zeroSpend(Connection c, String which, String budgetId, long next) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE tg_customer SET spend_nanos = 0, spend_period_end = ? WHERE " + which
                        + " AND spend_period_end < ?")) {
            int i = 1;
            ps.setLong(i++, next);
            if (budgetId != null) {
                ps.setString(i++, budgetId);
            }
            ps.setLong(i, next);
            return ps.executeUpdate();
        }
    }
}
