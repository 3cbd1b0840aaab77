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
 * Moves pending spend from the limit store to the database, on its own single daemon thread (it
 * blocks on JDBC, so never on an event loop).
 *
 * <p><b>When.</b> A pass runs {@code proxy_batch_write_at} (default 10 s) after the previous one
 * ended, or later when passes are long: the pause is at least {@link #DUTY_FACTOR} times the last
 * pass's duration, up to {@code maxInterval}. So a large backlog (many customers with pending spend)
 * costs a bounded share of a core, and each customer's batch gathers more calls.
 *
 * <p>Per dirty customer: claim the pending batch, apply it, acknowledge it; a page of customers at
 * a time, claims and acks sent together and batches applied {@link #GROUP} per transaction. A batch
 * is acknowledged only after the database commit, and also when the database says it was applied
 * before (a previous flusher died between commit and ack). A failed apply leaves the batch claimed
 * in the store; the next pass re-claims the very same batch and applies it, exactly once thanks
 * to {@link SpendRepository}'s batch table. Passes never overlap: they all run on the one thread.
 *
 * <p><b>Batches that cannot be written.</b> A batch the database refuses (see
 * {@link SpendRepository}) is isolated from its group, written whole to {@code tg_spend_quarantine}
 * and only then acknowledged, so the rest of the flush goes on and its spend is never silently
 * dropped. A flush that keeps failing for other reasons is {@link #stuck stuck}: shown by readiness
 * and {@code tollgate_spend_flush_stuck}. Applied batch ids older than the repository's retention
 * are pruned about once a minute.
 */
public final class SpendFlusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpendFlusher.class);
    /** Customers claimed per round; a pass runs more rounds while the dirty list comes back full. */
    static final int DIRTY_PAGE = 1000;
    /** Batches applied per database transaction (a few set-based statements each). */
    static final int GROUP = 1000;

    /** Up to this many pages per pass (a backlog beyond it waits for the next pass). */
    private static final int MAX_ROUNDS_PER_PASS = 2000;
    /** The pause after a pass is at least this many times the pass's duration (a flush takes ≤ 1/10 of a core). */
    static final int DUTY_FACTOR = 9;
    /** Applied batch ids are pruned at most this often. */
    private static final long PRUNE_EVERY_MS = 60_000;
    /** Rows pruned per pass at most, so a pass stays short after a long outage. */
    private static final int PRUNE_MAX_ROWS = 500_000;

    private static final long LOG_EVERY_MS = 60_000;
    /** Store calls time out fast (Redis commands have their own timeouts); this is a last guard. */
    private static final long STORE_TIMEOUT_MS = 30_000;

    private final LimitStore store;
    private final SpendRepository repo;
    private final Duration interval;
    private final Duration maxInterval;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final AtomicLong lastSuccessfulFlushMs = new AtomicLong();
    private final AtomicLong pendingBatchesFailed = new AtomicLong();
    private final AtomicLong lastPassDirty = new AtomicLong();
    private final AtomicLong quarantined = new AtomicLong();
    private final AtomicLong unresolvedQuarantined = new AtomicLong();
    private final AtomicLong prunedBatchIds = new AtomicLong();
    private final AtomicLong passCpuNanos = new AtomicLong();
    private final AtomicLong batchesApplied = new AtomicLong();
    private final AtomicLong startedMs = new AtomicLong();
    private volatile long lastPassMillis;
    private volatile long nextDelayMs;
    /** Whether the last pass met a failure (or, after {@link #close()}, the final pass did not finish). */
    private volatile boolean lastPassFailed;
    // Touched only on the flusher thread.
    private long failuresSinceLog;
    private long lastFailureLogMs = Long.MIN_VALUE / 2;
    private long lastPruneMs = Long.MIN_VALUE / 2;
    private ScheduledFuture<?> schedule;
    private volatile boolean closed;

    public SpendFlusher(LimitStore store, SpendRepository repo, Duration interval) {
        this(store, repo, interval, interval.multipliedBy(6), Clock.systemUTC());
    }

    public SpendFlusher(LimitStore store, SpendRepository repo, Duration interval, Clock clock) {
        this(store, repo, interval, interval.multipliedBy(6), clock);
    }

    /**
     * @param interval    pause between passes ({@code proxy_batch_write_at})
     * @param maxInterval the longest pause when passes are long (a large backlog); at least {@code interval}
     */
    public SpendFlusher(LimitStore store, SpendRepository repo, Duration interval, Duration maxInterval, Clock clock) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("flush interval must be positive: " + interval);
        }
        this.store = store;
        this.repo = repo;
        this.interval = interval;
        this.maxInterval = maxInterval.compareTo(interval) < 0 ? interval : maxInterval;
        this.nextDelayMs = interval.toMillis();
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tollgate-spend-flusher"));
    }

    /** Starts flushing on the adaptive schedule. Idempotent. */
    public synchronized void start() {
        if (schedule == null && !closed) {
            startedMs.set(clock.millis());
            schedule = thread.schedule(this::scheduledPass, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The pause before the next scheduled pass: the interval, longer after a long pass. */
    long delayAfter(long passMillis) {
        long wanted = Math.max(interval.toMillis(), passMillis * DUTY_FACTOR);
        return Math.min(wanted, maxInterval.toMillis());
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

    /** Batches written to quarantine by this instance since start. */
    public long quarantinedBatches() {
        return quarantined.get();
    }

    /** Quarantined batches (all instances) not resolved yet, as of the last pass. */
    public long unresolvedQuarantinedBatches() {
        return unresolvedQuarantined.get();
    }

    /** Applied batch ids deleted after their retention since start. */
    public long prunedBatchIds() {
        return prunedBatchIds.get();
    }

    /** CPU time of the flusher thread in its passes since start (with H2 this includes the database's work). */
    public long passCpuNanos() {
        return passCpuNanos.get();
    }

    /** Batches applied to the database by this flusher since start. */
    public long batchesApplied() {
        return batchesApplied.get();
    }

    /** Wall-clock duration of the last pass. */
    public long lastPassMillis() {
        return lastPassMillis;
    }

    /** The pause the schedule takes before the next pass. */
    public long nextDelayMillis() {
        return nextDelayMs;
    }

    /**
     * True when the flush has not succeeded for longer than three pauses (plus five seconds): the
     * database refuses or is unreachable, and pending spend is piling up in the limit store.
     * Batches that were quarantined do not make a flush stuck.
     */
    public boolean stuck(long nowMs) {
        long last = lastSuccessfulFlushMs.get();
        long since = last > 0 ? last : startedMs.get();
        if (since == 0) {
            return false;
        }
        return lastPassFailed && nowMs - since > 3 * Math.max(nextDelayMs, interval.toMillis()) + 5_000;
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
            // Never let an exception end the schedule.
            LOG.error("Spend flush pass failed", e);
        } finally {
            synchronized (this) {
                if (!closed) {
                    nextDelayMs = delayAfter(lastPassMillis);
                    schedule = thread.schedule(this::scheduledPass, nextDelayMs, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** One pass; runs on the flusher thread only. */
    private int pass() {
        long startNanos = System.nanoTime();
        long cpu0 = ThreadCpu.nanos();
        try {
            return passInner();
        } finally {
            lastPassMillis = (System.nanoTime() - startNanos) / 1_000_000;
            passCpuNanos.addAndGet(Math.max(0, ThreadCpu.nanos() - cpu0));
        }
    }

    private int passInner() {
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
            housekeeping();
        }
        batchesApplied.addAndGet(applied);
        return applied;
    }

    /** After a clean pass: prune old batch ids, refresh the quarantine gauge (about once a minute). */
    private void housekeeping() {
        long now = clock.millis();
        if (now - lastPruneMs < PRUNE_EVERY_MS) {
            return;
        }
        lastPruneMs = now;
        try {
            prunedBatchIds.addAndGet(repo.pruneAppliedBatchIds(now, PRUNE_MAX_ROWS));
            unresolvedQuarantined.set(repo.unresolvedQuarantined());
        } catch (Exception e) {
            noteFailure(1, e);
        }
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
        List<CompletionStage<PendingBatch>> claims = store.claimPending(dirty);
        List<PendingBatch> batches = new ArrayList<>(dirty.size());
        for (CompletionStage<PendingBatch> claim : claims) {
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
        List<CompletionStage<Void>> acks = new ArrayList<>(batches.size());
        for (int from = 0; from < batches.size(); from += GROUP) {
            List<PendingBatch> group = batches.subList(from, Math.min(batches.size(), from + GROUP));
            List<SpendRepository.Result> results = repo.apply(group, clock.millis());
            List<PendingBatch> committed = new ArrayList<>(group.size());
            boolean groupFailed = true;
            for (int i = 0; i < group.size(); i++) {
                PendingBatch batch = group.get(i);
                SpendRepository.Result r = results.get(i);
                switch (r.outcome()) {
                    case APPLIED -> applied++;
                    case APPLIED_BEFORE -> {
                        // Acknowledged too: its spend is in the database already.
                    }
                    case REJECTED, UNVERIFIABLE -> {
                        if (!quarantine(batch, r)) {
                            failed++;
                            pendingBatchesFailed.incrementAndGet();
                            continue;
                        }
                    }
                    default -> {
                        failed++;
                        pendingBatchesFailed.incrementAndGet();
                        noteFailure(
                                1,
                                r.error() != null ? r.error() : new IllegalStateException("spend batch not applied"));
                        continue;
                    }
                }
                groupFailed = false;
                committed.add(batch);
            }
            acks.addAll(store.ackPending(committed));
            if (groupFailed) {
                // Likely the database is down: leave the rest claimed for the next pass rather than
                // waiting for a connection once per group.
                int rest = batches.size() - Math.min(batches.size(), from + GROUP);
                failed += rest;
                break;
            }
        }
        for (CompletionStage<Void> ack : acks) {
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

    /**
     * Writes a batch the database will not take to the quarantine table; true when it is there
     * (then it may be acknowledged: its spend is kept, for an operator to resolve).
     */
    private boolean quarantine(PendingBatch batch, SpendRepository.Result r) {
        String reason = r.outcome() == SpendRepository.Outcome.REJECTED ? "rejected" : "unverifiable";
        try {
            repo.quarantine(batch, reason, r.error(), clock.millis());
        } catch (Exception e) {
            noteFailure(1, e);
            return false;
        }
        quarantined.incrementAndGet();
        unresolvedQuarantined.incrementAndGet();
        LOG.error(
                "Spend batch {} of customer {} quarantined ({}): {}. Its spend is kept in tg_spend_quarantine for an"
                        + " operator to resolve; the flush goes on.",
                batch.batchId(),
                QuarantinePayload.printable(batch.customerId()),
                reason,
                QuarantinePayload.describe(r.error()));
        return true;
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
