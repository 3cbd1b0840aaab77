package dev.tollgate.admin.reconcile;

import dev.tollgate.admin.catalog.CustomerCatalog;
import dev.tollgate.core.limits.FlushState;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.ModelLimits;
import dev.tollgate.core.limits.ReconcileRequest;
import dev.tollgate.core.limits.Reconciliation.Outcome;
import dev.tollgate.core.threads.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each customer's enforced spend (the limit store's account) equal to the ledger (the
 * database) plus the spend pending persistence:
 *
 * <ul>
 * <li>{@link #seed}: an admission that finds no account creates it from the ledger plus pending,
 * exactly (a flush committing meanwhile is neither missed nor counted twice);
 * <li>{@link #reconcile}: compares one customer and repairs a drift, atomically in the store;
 * <li>every {@code interval}, a pass over the customers this instance admitted since the last one.
 * </ul>
 *
 * One reconciliation: read the store's flush state, then the ledger and whether the claimed batch
 * is committed (one database snapshot), then let the store set {@code spent = ledger + pending}
 * only if no flush claimed or acknowledged spend in between; otherwise read again (a few times).
 * Several instances may reconcile the same customer at once: each sets the same figure or nothing,
 * so nothing is ever counted twice. Non-blocking except the pass, which runs on its own thread.
 */
public final class SpendReconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpendReconciler.class);
    /** Reads of the flush state and the ledger before giving up on a customer whose flushes keep moving. */
    static final int ATTEMPTS = 5;
    /** Customers one pass reconciles at most; the rest wait for the next pass. */
    static final int MAX_PER_PASS = 10_000;
    /** Customers reconciled concurrently by a pass (each holds a JDBC thread while reading the ledger). */
    private static final int PASS_CONCURRENCY = 4;

    private static final long CUSTOMER_TIMEOUT_MS = 10_000;
    private static final long LOG_EVERY_MS = 60_000;

    private final CustomerCatalog catalog;
    private final LimitStore store;
    private final Clock clock;
    private final Duration interval;
    private final ActiveCustomers active = new ActiveCustomers(10 * MAX_PER_PASS);
    private final ScheduledExecutorService thread;
    private final AtomicLong checked = new AtomicLong();
    private final AtomicLong repaired = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong recreatedWithSpend = new AtomicLong();
    private final AtomicLong driftOverNanos = new AtomicLong();
    private final AtomicLong driftUnderNanos = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong lastPassDriftNanos = new AtomicLong();
    private final AtomicLong lastRecreateLogMs = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong recreatedSinceLog = new AtomicLong();
    private boolean started;
    private volatile boolean closed;

    /**
     * @param interval time between two periodic passes ({@code spend_reconcile_interval})
     */
    public SpendReconciler(CustomerCatalog catalog, LimitStore store, Duration interval, Clock clock) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("reconcile interval must be positive: " + interval);
        }
        this.catalog = catalog;
        this.store = store;
        this.interval = interval;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tollgate-spend-reconcile"));
    }

    /** Starts the periodic pass. Idempotent. */
    public synchronized void start() {
        if (!started && !closed) {
            started = true;
            long ms = interval.toMillis();
            thread.scheduleWithFixedDelay(this::scheduledPass, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Notes a customer for the next pass; cheap enough for the call path. */
    public void noteActive(String customerId) {
        active.note(customerId);
    }

    /**
     * Creates a missing account from the ledger plus pending (an existing one is reconciled
     * instead). Fails when the flushes of this customer kept moving through every attempt.
     */
    public CompletionStage<Void> seed(String customerId, long nowMs) {
        return attempt(customerId, nowMs, true, ATTEMPTS)
                .thenCompose(r -> r.outcome() == Outcome.FLUSH_MOVED
                        ? CompletableFuture.failedFuture(new IllegalStateException("could not seed the account of "
                                + customerId + ": its spend kept moving to the database"))
                        : CompletableFuture.completedFuture(null));
    }

    /** Reconciles one customer now; a missing account is left for its next admission to seed. */
    public CompletionStage<ReconcileReport> reconcile(String customerId) {
        return attempt(customerId, clock.millis(), false, ATTEMPTS);
    }

    /** Runs a pass over the active customers now, on the reconciler's thread (after one in progress). */
    public CompletableFuture<ReconcilePass> reconcileActive() {
        try {
            return CompletableFuture.supplyAsync(this::pass, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("reconciler is closed", e));
        }
    }

    /**
     * Creates the missing account of one of the customer's {@code model_max_budget} entries from
     * the model's ledger row of the entry's period plus its pending spend, by the same rule as
     * {@link #seed} (an existing account is reconciled instead). The periodic pass leaves model
     * accounts alone: they are only seeded, when an admission finds one missing.
     */
    public CompletionStage<Void> seedModel(String customerId, ModelLimits model, long nowMs) {
        Ledgers ledgers =
                seen -> catalog.modelLedger(customerId, model.model(), model.periodEndMs(), seen.claimedBatchId());
        return attempt(customerId, model.model(), ledgers, nowMs, true, ATTEMPTS)
                .thenCompose(r -> r.outcome() == Outcome.FLUSH_MOVED
                        ? CompletableFuture.failedFuture(new IllegalStateException("could not seed the account of "
                                + customerId + " for model " + model.model()
                                + ": its spend kept moving to the database"))
                        : CompletableFuture.completedFuture(null));
    }

    /** Where a reconciliation reads its ledger, given the flush state read before it. */
    @FunctionalInterface
    private interface Ledgers {
        CompletionStage<CustomerCatalog.Ledger> read(FlushState seen);
    }

    private CompletionStage<ReconcileReport> attempt(String id, long nowMs, boolean create, int attemptsLeft) {
        return attempt(id, null, seen -> catalog.ledger(id, seen.claimedBatchId(), nowMs), nowMs, create, attemptsLeft);
    }

    /** One reconciliation of the customer's account ({@code model} null) or of one model entry's account. */
    private CompletionStage<ReconcileReport> attempt(
            String id, String model, Ledgers ledgers, long nowMs, boolean create, int attemptsLeft) {
        return store.flushState(id)
                .thenCompose(seen -> ledgers.read(seen)
                        .thenCompose(ledger -> store.reconcile(new ReconcileRequest(
                                        id,
                                        ledger.spentNanos(),
                                        ledger.periodEndMs(),
                                        seen,
                                        ledger.batchApplied(),
                                        nowMs,
                                        create,
                                        model))
                                .thenApply(r -> ReconcileReport.of(id, r, ledger.spentNanos()))))
                .thenCompose(report -> report.outcome() == Outcome.FLUSH_MOVED && attemptsLeft > 1
                        ? attempt(id, model, ledgers, nowMs, create, attemptsLeft - 1)
                        : CompletableFuture.completedFuture(model == null ? count(report) : report));
    }

    private ReconcileReport count(ReconcileReport r) {
        switch (r.outcome()) {
            case IN_STEP -> checked.incrementAndGet();
            case REPAIRED -> {
                checked.incrementAndGet();
                repaired.incrementAndGet();
                long drift = r.driftNanos();
                (drift > 0 ? driftOverNanos : driftUnderNanos).addAndGet(Math.abs(drift));
                LOG.info(
                        "Reconciled customer {}: the limit store held {} nano-USD, the ledger {} plus {} pending; repaired",
                        r.customerId(),
                        r.enforcedBefore(),
                        r.ledgerNanos(),
                        r.pendingNanos());
            }
            case CREATED -> {
                checked.incrementAndGet();
                created.incrementAndGet();
                if (r.ledgerNanos() > 0) {
                    recreatedWithSpend.incrementAndGet();
                    noteRecreated();
                }
            }
            default -> {
                // FLUSH_MOVED after every attempt, ABSENT, OTHER_PERIOD: nothing compared.
            }
        }
        return r;
    }

    /**
     * A customer with persisted spend had no account: the store is new to this database, or it
     * lost its data. Logged at most once a minute with the count, since a Redis restart re-creates
     * every active customer's account.
     */
    private void noteRecreated() {
        long n = recreatedSinceLog.incrementAndGet();
        long now = clock.millis();
        long last = lastRecreateLogMs.get();
        if (now - last >= LOG_EVERY_MS && lastRecreateLogMs.compareAndSet(last, now)) {
            recreatedSinceLog.addAndGet(-n);
            LOG.warn(
                    "The limit store had no account for {} customer(s) with persisted spend: it is new to this "
                            + "database or lost its data (a Redis restart without persistence?). Accounts re-created from "
                            + "the database plus pending spend; spend settled into the lost data and not yet flushed "
                            + "(at most the last proxy_batch_write_at) is not recoverable.",
                    n);
        }
    }

    private void scheduledPass() {
        try {
            pass();
        } catch (RuntimeException e) {
            LOG.error("Spend reconciliation pass failed", e);
        }
    }

    /** One pass over the active customers; runs on the reconciler's thread only. */
    private ReconcilePass pass() {
        List<String> ids = active.take(MAX_PER_PASS);
        List<ReconcileReport> reports = new ArrayList<>(ids.size());
        Deque<Pending> inFlight = new ArrayDeque<>();
        int failed = 0;
        for (String id : ids) {
            if (inFlight.size() >= PASS_CONCURRENCY && !collect(inFlight.poll(), reports)) {
                failed++;
            }
            inFlight.add(new Pending(id, reconcile(id).toCompletableFuture()));
        }
        while (!inFlight.isEmpty()) {
            if (!collect(inFlight.poll(), reports)) {
                failed++;
            }
        }
        ReconcilePass pass = new ReconcilePass(List.copyOf(reports), failed);
        lastPassDriftNanos.set(pass.absoluteDriftNanos());
        if (pass.repaired() > 0 || failed > 0) {
            LOG.warn(
                    "Spend reconciliation: {} customer(s) checked, {} repaired (total drift {} nano-USD), {} failed",
                    pass.checked(),
                    pass.repaired(),
                    pass.absoluteDriftNanos(),
                    failed);
        }
        return pass;
    }

    private record Pending(String customerId, CompletableFuture<ReconcileReport> report) {}

    /** Waits for one customer's report; false when it failed (the customer is tried again next pass). */
    private boolean collect(Pending p, List<ReconcileReport> reports) {
        try {
            reports.add(p.report().get(CUSTOMER_TIMEOUT_MS, TimeUnit.MILLISECONDS));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("Could not reconcile customer {}: {}", p.customerId(), e.toString());
        }
        failures.incrementAndGet();
        active.note(p.customerId());
        return false;
    }

    /** Customers compared with the ledger (in step, repaired or created), since start. */
    public long customersChecked() {
        return checked.get();
    }

    /** Customers whose enforced spend was repaired, since start. */
    public long customersRepaired() {
        return repaired.get();
    }

    /** Accounts created from the ledger (seeds), since start. */
    public long accountsCreated() {
        return created.get();
    }

    /** Accounts created for customers with persisted spend: the store had lost (or never had) them. */
    public long accountsRecreatedWithSpend() {
        return recreatedWithSpend.get();
    }

    /** Nano-dollars the enforced spend exceeded ledger + pending by, summed over repairs. */
    public long driftOverNanos() {
        return driftOverNanos.get();
    }

    /** Nano-dollars the enforced spend fell short of ledger + pending by, summed over repairs. */
    public long driftUnderNanos() {
        return driftUnderNanos.get();
    }

    /** Sum of the absolute drifts the last periodic (or requested) pass repaired. */
    public long lastPassDriftNanos() {
        return lastPassDriftNanos.get();
    }

    /** Customers a pass could not reconcile (store or database unreachable), since start. */
    public long failures() {
        return failures.get();
    }

    /** Customers waiting for the next pass. */
    public int activeCustomers() {
        return active.size();
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
    }
}
