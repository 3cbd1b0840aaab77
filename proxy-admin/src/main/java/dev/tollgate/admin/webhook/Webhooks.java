package dev.tollgate.admin.webhook;

import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.core.usage.CallRecord;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks off the hot path. {@link #onCall} (on an event loop) builds the call's events and
 * offers them to a bounded queue, nothing else; a full queue drops the event and counts it. The
 * queue is written to the outbox table on the JDBC executor; the {@link WebhookDelivery} thread
 * sends from the outbox with retries. A dead receiver therefore never blocks, slows or fails a call.
 *
 * <p>Budget events ({@code threshold_crossed}, {@code budget_crossed}, {@code soft_budget_crossed}) are sent once per customer,
 * threshold and budget period: their id is deterministic and the outbox keeps the first insert,
 * whichever instance made it. Each instance also remembers the ids it has written, so that a
 * customer past a threshold costs one insert per instance, not one per call.
 */
public final class Webhooks implements CallListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    private static final int MAX_REMEMBERED = 100_000;
    private static final long LOG_EVERY_MS = 60_000;

    private final WebhookConfig config;
    private final WebhookOutbox outbox;
    private final JdbcExecutor jdbc;
    private final Clock clock;
    private final WebhookStats stats = new WebhookStats();
    private final BlockingQueue<WebhookEvent> queue;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Set<String> written = ConcurrentHashMap.newKeySet();
    private final WebhookDelivery delivery;
    private volatile boolean closed;
    private volatile long lastDropLogMs = Long.MIN_VALUE / 2;

    public Webhooks(WebhookConfig config, DataSource dataSource, JdbcExecutor jdbc, Clock clock) {
        this.config = config;
        this.outbox = new WebhookOutbox(dataSource);
        this.jdbc = jdbc;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.delivery = new WebhookDelivery(config, outbox, stats, clock);
    }

    /** Starts the delivery thread, which also sends what earlier runs left in the outbox. */
    public void start() {
        delivery.start();
    }

    public WebhookStats stats() {
        return stats;
    }

    public WebhookConfig config() {
        return config;
    }

    /** Events waiting in memory for the outbox. */
    public int queueDepth() {
        return queue.size();
    }

    @Override
    public void onCall(CallRecord r) {
        if (r.customerId() == null) {
            return;
        }
        if (config.spendTracked() && r.outcome() == CallRecord.Outcome.OK) {
            offer(WebhookEvents.spendTracked(r), false);
        }
        if (config.budgetAlerts()) {
            offerOnce(WebhookEvents.budgetEvent(r, config.thresholds()));
            offerOnce(WebhookEvents.softBudgetEvent(r));
        }
    }

    /** A budget event: at most one insert per id and instance; the outbox keeps one across instances. */
    private void offerOnce(WebhookEvent e) {
        if (e != null && !written.contains(e.id())) {
            if (written.size() >= MAX_REMEMBERED) {
                written.clear();
            }
            if (written.add(e.id())) {
                offer(e, true);
            }
        }
    }

    private void offer(WebhookEvent e, boolean remembered) {
        if (closed) {
            stats.droppedClosed.incrementAndGet();
            forget(e, remembered);
            return;
        }
        if (!queue.offer(e)) {
            stats.droppedQueueFull.incrementAndGet();
            forget(e, remembered);
            logDrop("the outbox queue is full (" + config.queueCapacity() + " events)");
            return;
        }
        stats.enqueued.incrementAndGet();
        scheduleDrain();
    }

    private void forget(WebhookEvent e, boolean remembered) {
        if (remembered) {
            written.remove(e.id());
        }
    }

    private void scheduleDrain() {
        if (draining.compareAndSet(false, true)) {
            try {
                jdbc.submit(() -> {
                    drain();
                    return null;
                });
            } catch (RejectedExecutionException e) {
                draining.set(false);
            }
        }
    }

    /** Writes the queue to the outbox; runs on the JDBC executor, one drain at a time. */
    private void drain() {
        int wrote = 0;
        while (true) {
            WebhookEvent e = queue.poll();
            if (e == null) {
                draining.set(false);
                // An offer may have come in after poll() and seen draining = true.
                if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
                    continue;
                }
                break;
            }
            try {
                if (outbox.insertIfAbsent(e, clock.millis())) {
                    stats.written.incrementAndGet();
                    wrote++;
                } else {
                    stats.duplicates.incrementAndGet();
                }
            } catch (SQLException | RuntimeException ex) {
                stats.droppedDatabase.incrementAndGet();
                written.remove(e.id());
                logDrop("the outbox insert failed: " + ex);
            }
        }
        if (wrote > 0) {
            delivery.wake();
        }
    }

    private void logDrop(String why) {
        long now = clock.millis();
        if (now - lastDropLogMs >= LOG_EVERY_MS) {
            lastDropLogMs = now;
            LOG.warn("Dropping webhook events: {} (counted in tollgate_webhook_dropped_total)", why);
        }
    }

    /** Writes what is queued to the outbox, then stops the delivery thread (undelivered events stay in the outbox). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (draining.get() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (draining.compareAndSet(false, true)) {
            drain();
        }
        delivery.close();
    }
}
