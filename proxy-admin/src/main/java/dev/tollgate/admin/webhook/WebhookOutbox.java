package dev.tollgate.admin.webhook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@code tg_webhook_outbox} table (blocking JDBC: call it from the JDBC executor or the
 * delivery thread, never from an event loop). The same SQL runs on PostgreSQL and H2.
 *
 * <p>Claiming is a lease: a worker selects due rows, then takes each with a conditional UPDATE
 * ({@code locked_until <= now}); only the instance whose UPDATE matched sends it. A worker that
 * dies keeps the row until the lease ends, then another instance retries it (at-least-once).
 */
public final class WebhookOutbox {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
    public static final String GONE = "gone";
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource ds;

    public WebhookOutbox(DataSource ds) {
        this.ds = ds;
    }

    /** A claimed event. */
    public record Row(String id, String type, String payload, int attempts) {}

    /** Inserts the event unless its id is there already; true when inserted now. */
    public boolean insertIfAbsent(WebhookEvent e, long nowMs) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO tg_webhook_outbox (event_id, event_type, customer_id, payload, status, attempts, next_attempt_at,"
                                + " locked_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, ?)")) {
            ps.setString(1, e.id());
            ps.setString(2, e.type());
            ps.setString(3, e.customerId());
            ps.setString(4, e.payload());
            ps.setString(5, PENDING);
            ps.setLong(6, nowMs);
            ps.setLong(7, nowMs);
            ps.setLong(8, nowMs);
            ps.executeUpdate();
            return true;
        } catch (SQLException ex) {
            if (UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                return false;
            }
            throw ex;
        }
    }

    /** Takes up to {@code limit} due events for {@code leaseMs}; rows other instances hold are skipped. */
    public List<Row> claimDue(long nowMs, long leaseMs, int limit) throws SQLException {
        List<Row> candidates = new ArrayList<>();
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT event_id, event_type, payload, attempts FROM tg_webhook_outbox"
                            + " WHERE status = ? AND next_attempt_at <= ? AND locked_until <= ? ORDER BY next_attempt_at LIMIT ?")) {
                ps.setString(1, PENDING);
                ps.setLong(2, nowMs);
                ps.setLong(3, nowMs);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
                    }
                }
            }
            List<Row> claimed = new ArrayList<>(candidates.size());
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE tg_webhook_outbox SET locked_until = ?, updated_at = ?"
                            + " WHERE event_id = ? AND status = ? AND locked_until <= ? AND attempts = ?")) {
                for (Row r : candidates) {
                    ps.setLong(1, nowMs + leaseMs);
                    ps.setLong(2, nowMs);
                    ps.setString(3, r.id());
                    ps.setString(4, PENDING);
                    ps.setLong(5, nowMs);
                    ps.setInt(6, r.attempts());
                    if (ps.executeUpdate() == 1) {
                        claimed.add(r);
                    }
                }
            }
            return claimed;
        }
    }

    /** Records an attempt and the row's next state; releases the lease. */
    public void recordAttempt(
            String id, String status, int attempts, long nextAttemptAt, Integer httpStatus, String error, long nowMs)
            throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE tg_webhook_outbox SET status = ?, attempts = ?, next_attempt_at = ?, locked_until = 0, last_status = ?,"
                                + " last_error = ?, updated_at = ? WHERE event_id = ?")) {
            ps.setString(1, status);
            ps.setInt(2, attempts);
            ps.setLong(3, nextAttemptAt);
            if (httpStatus == null) {
                ps.setNull(4, Types.INTEGER);
            } else {
                ps.setInt(4, httpStatus);
            }
            ps.setString(5, error == null ? null : error.length() > 500 ? error.substring(0, 500) : error);
            ps.setLong(6, nowMs);
            ps.setString(7, id);
            ps.executeUpdate();
        }
    }

    /** Events not delivered yet (waiting or being sent). */
    public long pendingCount() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM tg_webhook_outbox WHERE status = ?")) {
            ps.setString(1, PENDING);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
