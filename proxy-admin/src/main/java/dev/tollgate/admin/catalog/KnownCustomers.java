package dev.tollgate.admin.catalog;

import dev.tollgate.core.threads.DaemonThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of every customer that has a database row, held in memory so the hot path can tell a
 * never-seen caller from a known one without asking the database. A caller that is not here has
 * no row: it gets the default budget and starts from zero spend, with no I/O at all — which is
 * what keeps a flood of new customers (100,000 distinct {@code user} values) off the database.
 *
 * <p>Loaded once at start, then synced every few seconds with the rows created since (by the
 * admin API or by any instance's spend flusher); an admin write on any instance also adds its id
 * at once through the invalidation bus. Until the first load completes every id counts as
 * possibly known, so nothing is wrongly treated as new. Ids are held as fingerprints
 * ({@link IdFingerprints}, about 16 bytes each), so a million known customers cost 16 MB.
 */
final class KnownCustomers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KnownCustomers.class);
    /** Rows are fetched from a little before the last sync, so clock skew between instances cannot skip one. */
    private static final long OVERLAP_MS = 15_000;

    private final DataSource dataSource;
    private final IdFingerprints ids = new IdFingerprints();
    private volatile boolean ready;
    private volatile long syncedFromMs = Long.MIN_VALUE;
    private ScheduledExecutorService scheduler;

    KnownCustomers(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Loads all ids now (blocking, at start) and schedules the incremental sync. */
    synchronized void start(long syncIntervalMs) {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tollgate-known-customers"));
        scheduler.execute(this::sync);
        scheduler.scheduleWithFixedDelay(this::sync, syncIntervalMs, syncIntervalMs, TimeUnit.MILLISECONDS);
    }

    /** False when the id certainly has no database row; true when it has one or might. */
    boolean mightExist(String customerId) {
        return !ready || ids.contains(customerId);
    }

    void add(String customerId) {
        ids.add(customerId);
    }

    int size() {
        return ids.size();
    }

    boolean ready() {
        return ready;
    }

    void sync() {
        long startedMs = System.currentTimeMillis();
        String sql = syncedFromMs == Long.MIN_VALUE
                ? "SELECT user_id FROM tg_customer"
                : "SELECT user_id FROM tg_customer WHERE created_at >= ?";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            if (syncedFromMs != Long.MIN_VALUE) {
                ps.setLong(1, syncedFromMs - OVERLAP_MS);
            }
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            syncedFromMs = startedMs;
            if (!ready) {
                ready = true;
                LOG.info("Customer directory loaded: {} known customers", ids.size());
            }
        } catch (SQLException e) {
            // Not ready yet means every id takes the database path, which is the safe side.
            LOG.warn("Customer directory sync failed (will retry): {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
