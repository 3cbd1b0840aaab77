package dev.tollgate.admin.catalog;

import dev.tollgate.admin.db.DelegatingDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A data source that can be taken down: then {@code getConnection} waits until {@link #release}
 * (as a pool waits for its connection timeout on a dead database) and fails.
 */
final class StallingDataSource extends DelegatingDataSource {
    private volatile CountDownLatch down;
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();

    StallingDataSource(DataSource delegate) {
        super(delegate);
    }

    /** From now on every connection attempt waits for {@link #release} and then fails. */
    void goDown() {
        down = new CountDownLatch(1);
    }

    /** Lets the waiting attempts fail; the data source stays down. */
    void release() {
        CountDownLatch d = down;
        if (d != null) {
            d.countDown();
        }
    }

    void comeBack() {
        CountDownLatch d = down;
        down = null;
        if (d != null) {
            d.countDown();
        }
    }

    /** Connection attempts made so far. */
    int attempts() {
        return attempts.get();
    }

    /** Attempts waiting for {@link #release} right now. */
    int waiting() {
        return waiting.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        attempts.incrementAndGet();
        CountDownLatch d = down;
        if (d != null) {
            waiting.incrementAndGet();
            try {
                d.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waiting.decrementAndGet();
            }
            throw new SQLException("Connection is not available, request timed out (test database down)");
        }
        return delegate.getConnection();
    }
}
