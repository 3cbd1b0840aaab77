package dev.tollgate.admin.overview;

import dev.tollgate.admin.overview.SpendOverview.Day;
import dev.tollgate.admin.overview.SpendOverview.TopCustomer;
import dev.tollgate.admin.overview.SpendOverview.Totals;
import dev.tollgate.core.threads.DaemonThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Read-only SQL behind {@code GET /tollgate/overview}: sums over {@code tg_daily_customer_spend}
 * and counts over {@code tg_customer} / {@code tg_budget}. The same SQL runs on PostgreSQL and H2.
 * Blocking (JDBC): call it from the JDBC executor.
 */
public final class OverviewRepository {
    /** Days in the spend-per-day series, today included. */
    public static final int DAYS = 14;

    public static final int TOP = 5;

    /** Sums over every customer's daily rows are recomputed at most this often. */
    static final long MAX_AGE_MS = 60_000;

    private final DataSource ds;
    private final Clock clock;
    private final AtomicReference<Cached> cached = new AtomicReference<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();

    /** Below this a read is cheap enough to repeat on every page load. */
    static final long CHEAP_MS = 250;

    private record Cached(SpendOverview overview, long readAtMs, long tookMs) {}

    public OverviewRepository(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /**
     * The overview for a page load. While reading it is cheap (under {@link #CHEAP_MS}) every page
     * load reads it fresh. Once it is not (sums over the daily rows of a million customers are tens
     * of millions of rows), it is not recomputed per page load: a result up to
     * {@link #MAX_AGE_MS} old is served as is, an older one is served while one background read
     * replaces it. A cheap query checks the database each time, so a database that is down still
     * shows as down. Blocking: call it from the JDBC executor.
     */
    public SpendOverview readCached() throws SQLException {
        Cached c = cached.get();
        if (c == null || c.tookMs() < CHEAP_MS) {
            return readAndKeep();
        }
        probe();
        if (clock.millis() - c.readAtMs() >= MAX_AGE_MS && refreshing.compareAndSet(false, true)) {
            DaemonThreads.named("tollgate-overview-refresh")
                    .newThread(() -> {
                        try {
                            readAndKeep();
                        } catch (SQLException | RuntimeException e) {
                            // The next page load tries again; the probe reports the database's state.
                        } finally {
                            refreshing.set(false);
                        }
                    })
                    .start();
        }
        return c.overview();
    }

    private SpendOverview readAndKeep() throws SQLException {
        long start = System.nanoTime();
        SpendOverview fresh = read();
        cached.set(new Cached(fresh, clock.millis(), (System.nanoTime() - start) / 1_000_000));
        return fresh;
    }

    private void probe() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT 1");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
        }
    }

    /** Reads the whole overview in one read-only transaction; throws on any database failure. */
    public SpendOverview read() throws SQLException {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC)); // usage days are UTC days
        LocalDate monthStart = today.withDayOfMonth(1);
        LocalDate seriesStart = today.minusDays(DAYS - 1);
        try (Connection c = ds.getConnection()) {
            c.setReadOnly(true);
            c.setAutoCommit(false);
            try {
                Totals todayTotals = totals(c, today, today);
                Totals monthTotals = totals(c, monthStart, today);
                List<Day> daily = daily(c, seriesStart, today);
                List<TopCustomer> top = top(c, monthStart, today, TOP);
                long customers = count(c, "SELECT COUNT(*) FROM tg_customer");
                long blocked = count(c, "SELECT COUNT(*) FROM tg_customer WHERE blocked = TRUE");
                long budgets = count(c, "SELECT COUNT(*) FROM tg_budget");
                c.commit();
                return new SpendOverview(
                        today.toString(),
                        monthStart.toString(),
                        todayTotals,
                        monthTotals,
                        daily,
                        top,
                        customers,
                        blocked,
                        budgets);
            } finally {
                try {
                    c.rollback();
                    c.setAutoCommit(true);
                    c.setReadOnly(false);
                } catch (SQLException ignored) {
                    // the pool validates the connection before handing it out again
                }
            }
        }
    }

    static Totals totals(Connection c, LocalDate from, LocalDate to) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT COALESCE(SUM(spend_nanos), 0), COALESCE(SUM(requests), 0),"
                        + " COALESCE(SUM(failed_requests), 0), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0)"
                        + " FROM tg_daily_customer_spend WHERE usage_day >= ? AND usage_day <= ?")) {
            ps.setString(1, from.toString());
            ps.setString(2, to.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
            }
        }
    }

    /** Every day from {@code from} to {@code to}, oldest first, zeros where nothing was spent. */
    static List<Day> daily(Connection c, LocalDate from, LocalDate to) throws SQLException {
        Map<String, Day> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT usage_day, SUM(spend_nanos), SUM(requests)"
                + " FROM tg_daily_customer_spend WHERE usage_day >= ? AND usage_day <= ? GROUP BY usage_day")) {
            ps.setString(1, from.toString());
            ps.setString(2, to.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), new Day(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
            }
        }
        List<Day> out = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            String key = d.toString();
            out.add(found.getOrDefault(key, new Day(key, 0, 0)));
        }
        return out;
    }

    /** The customers with the most spend in the range, most first (ties by id). */
    static List<TopCustomer> top(Connection c, LocalDate from, LocalDate to, int limit) throws SQLException {
        List<TopCustomer> out = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT s.customer_id, c.alias, c.budget_id, c.blocked, s.spend, s.requests"
                        + " FROM (SELECT customer_id, SUM(spend_nanos) AS spend, SUM(requests) AS requests"
                        + "       FROM tg_daily_customer_spend WHERE usage_day >= ? AND usage_day <= ? GROUP BY customer_id) s"
                        + " LEFT JOIN tg_customer c ON c.user_id = s.customer_id"
                        + " ORDER BY s.spend DESC, s.customer_id LIMIT " + limit)) {
            ps.setString(1, from.toString());
            ps.setString(2, to.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TopCustomer(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getBoolean(4),
                            rs.getLong(5),
                            rs.getLong(6)));
                }
            }
        }
        return out;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
