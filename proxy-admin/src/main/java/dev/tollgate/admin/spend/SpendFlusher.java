package dev.tollgate.admin.spend;

import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.threads.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves pending spend from the limit store to the database, every {@code proxy_batch_write_at}
 * (default 10 s), on its own single daemon thread (it blocks on JDBC, so never on an event loop).
 *
 * <p>Per dirty customer: claim the pending batch, apply it, acknowledge it; a page of customers at
 * a time, claims and acks sent together and batches applied {@link #GROUP} per transaction. A batch
 * is acknowledged only after the database commit, and also when the database says it was applied
 * before (a previous flusher died between commit and ack). A failed apply leaves the batch claimed
 * in the store; the next pass re-claims the very same batch and applies it, exactly once thanks
 * to {@link SpendRepository}'s batch table. Passes never overlap: they all run on the one thread.
 */
public final class SpendFlusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpendFlusher.class);
    /** Customers claimed per round; a pass runs more rounds while the dirty list comes back full. */
    static final int DIRTY_PAGE = 1000;
    /** Batches applied per database transaction. */
    static final int GROUP = 200;

    private static final int MAX_ROUNDS_PER_PASS = 100;
    private static final long LOG_EVERY_MS = 60_000;
    /** Store calls time out fast (Redis commands have their own timeouts); this is a last guard. */
    private static final long STORE_TIMEOUT_MS = 30_000;

    private final LimitStore store;
    private final SpendRepository repo;
    private final Duration interval;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final AtomicLong lastSuccessfulFlushMs = new AtomicLong();
    private final AtomicLong pendingBatchesFailed = new AtomicLong();
    private final AtomicLong lastPassDirty = new AtomicLong();
    /** Whether the last pass met a failure (or, after {@link #close()}, the final pass did not finish). */
    private volatile boolean lastPassFailed;
    // Touched only on the flusher thread.
    private long failuresSinceLog;
    private long lastFailureLogMs = Long.MIN_VALUE / 2;
    private ScheduledFuture<?> schedule;
    private volatile boolean closed;

    public SpendFlusher(LimitStore store, SpendRepository repo, Duration interval) {
        this(store, repo, interval, Clock.systemUTC());
    }

    public SpendFlusher(LimitStore store, SpendRepository repo, Duration interval, Clock clock) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("flush interval must be positive: " + interval);
        }
        this.store = store;
        this.repo = repo;
        this.interval = interval;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tollgate-spend-flusher"));
    }

    /** Starts flushing every interval. Idempotent. */
    public synchronized void start() {
        if (schedule == null && !closed) {
            long ms = interval.toMillis();
            schedule = thread.scheduleWithFixedDelay(this::scheduledPass, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Runs one pass now, on the flusher thread (after any pass in progress).
     *
     * @return the number of batches applied to the database in this pass
     */
    public CompletableFuture<Integer> flushNow() {
        try {
            return CompletableFuture.supplyAsync(this::pass, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("spend flusher is closed", e));
        }
    }

    /** Wall-clock ms of the end of the last pass that met no failure; 0 before the first. */
    public long lastSuccessfulFlushMs() {
        return lastSuccessfulFlushMs.get();
    }

    /** Batches whose apply or acknowledgement failed, since start (each retry counts again). */
    public long pendingBatchesFailed() {
        return pendingBatchesFailed.get();
    }

    /** Customers with pending spend found by the last pass (a gauge of the write-behind backlog). */
    public long lastPassDirtyCustomers() {
        return lastPassDirty.get();
    }

    /**
     * Whether the last pass met a failure. After {@link #close()}: whether the final pass failed or
     * did not finish, i.e. whether pending spend may be left in the limit store.
     */
    public boolean lastPassFailed() {
        return lastPassFailed;
    }

    /** Stops the schedule after a final pass, so a graceful shutdown persists what it can. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (schedule != null) {
                schedule.cancel(false);
            }
        }
        try {
            CompletableFuture.supplyAsync(this::pass, thread).get(STORE_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            lastPassFailed = true;
            LOG.warn("Final spend flush failed; the pending spend stays in the limit store: {}", e.toString());
            LOG.debug("Final spend flush failure", e);
        }
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void scheduledPass() {
        try {
            pass();
        } catch (RuntimeException e) {
            // Never let an exception cancel the schedule.
            LOG.error("Spend flush pass failed", e);
        }
    }

    /** One pass; runs on the flusher thread only. */
    private int pass() {
        int applied = 0;
        long failed = 0;
        long seen = 0;
        for (int round = 0; round < MAX_ROUNDS_PER_PASS; round++) {
            List<String> dirty;
            try {
                dirty = await(store.dirtyCustomers(DIRTY_PAGE));
            } catch (Exception e) {
                failed++;
                noteFailure(1, e);
                break;
            }
            long failedBefore = failed;
            seen += dirty.size();
            int[] counts = flushPage(dirty);
            applied += counts[0];
            failed += counts[1];
            // A full page may mean more customers are waiting; stop on trouble so a down database
            // is not hammered once per customer more than once a pass.
            if (dirty.size() < DIRTY_PAGE || failed > failedBefore) {
                break;
            }
        }
        lastPassDirty.set(seen);
        lastPassFailed = failed > 0;
        if (failed == 0) {
            lastSuccessfulFlushMs.set(clock.millis());
        }
        return applied;
    }

    /**
     * Claim → apply → ack for a page of dirty customers: the claims go out together (pipelined on
     * Redis), the batches are applied in groups of {@link #GROUP} per transaction, and the acks go
     * out together. A batch is acknowledged only once its spend is committed (now or before).
     *
     * @return {applied now, failures}
     */
    private int[] flushPage(List<String> dirty) {
        int failed = 0;
        List<CompletableFuture<PendingBatch>> claims = new ArrayList<>(dirty.size());
        for (String customerId : dirty) {
            claims.add(store.claimPending(customerId).toCompletableFuture());
        }
        List<PendingBatch> batches = new ArrayList<>(dirty.size());
        for (CompletableFuture<PendingBatch> claim : claims) {
            try {
                PendingBatch batch = await(claim);
                if (!batch.isEmpty()) {
                    batches.add(batch);
                }
            } catch (Exception e) {
                failed++;
                pendingBatchesFailed.incrementAndGet();
                noteFailure(1, e);
            }
        }
        int applied = 0;
        List<CompletableFuture<Void>> acks = new ArrayList<>(batches.size());
        for (int from = 0; from < batches.size(); from += GROUP) {
            List<PendingBatch> group = batches.subList(from, Math.min(batches.size(), from + GROUP));
            List<SpendRepository.Outcome> outcomes = repo.applyBatches(group, clock.millis());
            boolean groupFailed = !outcomes.contains(SpendRepository.Outcome.APPLIED)
                    && !outcomes.contains(SpendRepository.Outcome.APPLIED_BEFORE);
            for (int i = 0; i < group.size(); i++) {
                PendingBatch batch = group.get(i);
                if (outcomes.get(i) == SpendRepository.Outcome.FAILED) {
                    failed++;
                    pendingBatchesFailed.incrementAndGet();
                    Exception cause = repo.lastGroupFailure();
                    noteFailure(1, cause != null ? cause : new IllegalStateException("spend batch not applied"));
                    continue;
                }
                if (outcomes.get(i) == SpendRepository.Outcome.APPLIED) {
                    applied++;
                }
                // Acknowledged also when applied before: its spend is in the database already.
                acks.add(store.ackPending(batch.customerId(), batch.batchId()).toCompletableFuture());
            }
            if (groupFailed) {
                // Likely the database is down: leave the rest claimed for the next pass rather than
                // waiting for a connection once per group.
                int rest = batches.size() - Math.min(batches.size(), from + GROUP);
                failed += rest;
                break;
            }
        }
        for (CompletableFuture<Void> ack : acks) {
            try {
                await(ack);
            } catch (Exception e) {
                // Committed but not acknowledged: the batch stays claimed and is re-applied as a no-op.
                failed++;
                pendingBatchesFailed.incrementAndGet();
                noteFailure(1, e);
            }
        }
        return new int[] {applied, failed};
    }

    /** Logs failures at most once a minute, with how many there were, so an outage does not flood the log. */
    private void noteFailure(int count, Exception e) {
        failuresSinceLog += count;
        long now = clock.millis();
        if (now - lastFailureLogMs >= LOG_EVERY_MS) {
            LOG.warn(
                    "{} spend flush failure(s) since the last report; pending spend stays claimed in the limit store "
                            + "and is retried every {} ms. Last cause: {}",
                    failuresSinceLog,
                    interval.toMillis(),
                    e.toString());
            failuresSinceLog = 0;
            lastFailureLogMs = now;
        }
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(STORE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception ex ? ex : e;
        }
    }
}
