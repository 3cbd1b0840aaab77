package dev.tollgate.admin.spend;

import dev.tollgate.admin.reconcile.SpendReconciler;
import dev.tollgate.core.limits.BatchIds;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingFields;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.threads.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the settles that could not reach the limit store (Redis unreachable or too slow) on this
 * instance, so the spend of calls admitted during an outage is neither lost nor counted twice.
 *
 * <ul>
 * <li>A failed settle is {@link #add added} to a bounded in-memory queue (never blocks).
 * <li>Every {@code retryInterval} its own thread re-sends the queued settles to the store, oldest
 * first, stopping at the first failure. Each carries its settle id, so a settle that timed out but
 * did execute (a slow or frozen Redis) is recognised and not counted again.
 * <li>A settle still queued after {@code persistAfter} (or when the queue is over capacity, or at
 * {@link #close()}) is written straight to the database through {@link SpendRepository} as a batch
 * with a fresh id (exactly once: a retried commit hits the batch id), and stays queued in its
 * "persisted" form: when the store is back it only updates the counters (reservation, spent,
 * window) and, should the original have executed after all, takes its queued spend back out.
 * </ul>
 * An instance killed during an outage loses only what it had not yet persisted (at most
 * {@code persistAfter} of its calls); what it persisted is in the database, which re-seeds the
 * store's counters. Entries that could not even be persisted stay in memory and are retried.
 *
 * <p>The counters of a persisted entry replayed later cannot be exact by themselves: adding its
 * cost to the store's spend is right when the account survived the outage, and counts it twice
 * when the account was re-seeded from a database that already held it (Redis restarted empty).
 * So after a pass that replayed persisted entries, the journal has their customers
 * {@linkplain SpendReconciler#reconcile reconciled}: the store's spend is set to the ledger plus
 * pending, which holds either way.
 */
public final class SpendJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpendJournal.class);
    private static final long STORE_TIMEOUT_MS = 10_000;

    private final LimitStore store;
    private final SpendRepository repo;
    /** Reconciles the customers of replayed persisted entries; null when there is none (tests). */
    private final SpendReconciler reconciler;

    private final int capacity;
    private final Duration persistAfter;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong journaled = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong persistedEntries = new AtomicLong();
    private volatile boolean closed;

    /** One settle waiting for the store; mutated only on the journal thread after {@link #add}. */
    private static final class Entry {
        SettleRequest request;
        final long periodEndMs;
        final long addedMs;
        /** Batch id of the database write, kept across retries of an ambiguous commit. */
        String batchId;

        Entry(SettleRequest request, long periodEndMs, long addedMs) {
            this.request = request;
            this.periodEndMs = periodEndMs;
            this.addedMs = addedMs;
        }
    }

    public SpendJournal(
            LimitStore store,
            SpendRepository repo,
            int capacity,
            Duration retryInterval,
            Duration persistAfter,
            Clock clock) {
        this(store, repo, null, capacity, retryInterval, persistAfter, clock);
    }

    /** As above, reconciling the customers of replayed persisted entries with {@code reconciler}. */
    public SpendJournal(
            LimitStore store,
            SpendRepository repo,
            SpendReconciler reconciler,
            int capacity,
            Duration retryInterval,
            Duration persistAfter,
            Clock clock) {
        this.store = store;
        this.repo = repo;
        this.reconciler = reconciler;
        this.capacity = capacity;
        this.persistAfter = persistAfter;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tollgate-spend-journal"));
        long ms = retryInterval.toMillis();
        thread.scheduleWithFixedDelay(this::safePass, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Queues a settle the store did not confirm. {@code request} must carry a settle id.
     * {@code periodEndMs} is the customer's current period end, used if it must go to the database.
     */
    public void add(SettleRequest request, long periodEndMs) {
        if (request.settleId() == null) {
            throw new IllegalArgumentException("a journaled settle needs a settle id");
        }
        queue.add(new Entry(request, periodEndMs, clock.millis()));
        size.incrementAndGet();
        journaled.incrementAndGet();
    }

    /** Settles waiting for the store. */
    public int size() {
        return size.get();
    }

    public long journaled() {
        return journaled.get();
    }

    /** Settles delivered to the store after a failure. */
    public long replayed() {
        return replayed.get();
    }

    /** Settles written straight to the database while the store was unreachable. */
    public long persistedEntries() {
        return persistedEntries.get();
    }

    /** Settles written neither to the store nor to the database (after {@link #close()}: lost). */
    public long unpersistedSettles() {
        return queue.stream().filter(e -> !e.request.persisted()).count();
    }

    /** The cost, in nano-dollars, of {@link #unpersistedSettles()}. */
    public long unpersistedNanos() {
        return queue.stream()
                .filter(e -> !e.request.persisted())
                .mapToLong(e -> e.request.costNanos())
                .sum();
    }

    /** Runs one pass now on the journal thread; completes with the queue size after it. */
    public CompletableFuture<Integer> drainNow() {
        return CompletableFuture.supplyAsync(
                () -> {
                    pass(false);
                    return size.get();
                },
                thread);
    }

    private void safePass() {
        try {
            pass(false);
        } catch (RuntimeException e) {
            LOG.error("Spend journal pass failed", e);
        }
    }

    /** Replay to the store; then persist what has waited too long (everything when {@code final}). */
    private void pass(boolean last) {
        if (queue.isEmpty()) {
            return;
        }
        replay();
        long now = clock.millis();
        boolean overCapacity = size.get() > capacity;
        List<Entry> due = new ArrayList<>();
        for (Entry e : queue) {
            if (!e.request.persisted() && (last || overCapacity || now - e.addedMs >= persistAfter.toMillis())) {
                due.add(e);
            }
        }
        if (!due.isEmpty()) {
            persist(due, now);
        }
    }

    /**
     * Re-sends queued settles in order; the first failure ends the pass (the store is still away).
     * Then reconciles the customers whose persisted entries were replayed.
     */
    private void replay() {
        Set<String> persistedCustomers = new LinkedHashSet<>();
        Entry head;
        while ((head = queue.peek()) != null) {
            try {
                store.settle(head.request).toCompletableFuture().get(STORE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                break;
            }
            queue.poll();
            size.decrementAndGet();
            replayed.incrementAndGet();
            if (head.request.persisted()) {
                persistedCustomers.add(head.request.customerId());
            }
        }
        reconcile(persistedCustomers);
    }

    private void reconcile(Set<String> customers) {
        if (reconciler == null) {
            return;
        }
        for (String customer : customers) {
            try {
                reconciler.reconcile(customer).toCompletableFuture().get(STORE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // The periodic reconciliation covers it: the customer made calls, so it is active.
                reconciler.noteActive(customer);
                LOG.warn(
                        "Could not reconcile customer {} after replaying its journaled spend: {}",
                        customer,
                        e.toString());
            }
        }
    }

    /**
     * Writes not-yet-persisted entries to the database: new entries get one fresh batch id per
     * customer; an entry keeps its id (and its group) across retries, so a commit that failed
     * ambiguously is recognised by the database's batch table instead of being applied twice.
     */
    private void persist(List<Entry> due, long now) {
        Map<String, String> fresh = new LinkedHashMap<>();
        Map<String, List<Entry>> byBatch = new LinkedHashMap<>();
        for (Entry e : due) {
            if (e.batchId == null) {
                e.batchId = fresh.computeIfAbsent(e.request.customerId(), k -> BatchIds.next(now));
            }
            byBatch.computeIfAbsent(e.batchId, k -> new ArrayList<>()).add(e);
        }
        for (Map.Entry<String, List<Entry>> b : byBatch.entrySet()) {
            List<Entry> entries = b.getValue();
            String customer = entries.get(0).request.customerId();
            try {
                PendingBatch batch = toBatch(customer, b.getKey(), entries);
                SpendRepository.Result r = repo.apply(List.of(batch), now).get(0);
                if (r.outcome() == SpendRepository.Outcome.REJECTED
                        || r.outcome() == SpendRepository.Outcome.UNVERIFIABLE) {
                    // Never retried forever: kept whole in the quarantine table, as the flusher does.
                    repo.quarantine(
                            batch,
                            r.outcome() == SpendRepository.Outcome.REJECTED ? "rejected" : "unverifiable",
                            r.error(),
                            now);
                    LOG.error(
                            "Journaled spend of customer {} quarantined ({}): {}",
                            QuarantinePayload.printable(customer),
                            r.outcome(),
                            QuarantinePayload.describe(r.error()));
                } else if (!r.inDatabase()) {
                    throw r.error() != null ? r.error() : new IllegalStateException("not applied");
                }
            } catch (Exception e) {
                LOG.warn(
                        "Could not persist {} journaled settle(s) of customer {}; kept in memory and retried: {}",
                        entries.size(),
                        customer,
                        e.toString());
                continue;
            }
            for (Entry e : entries) {
                e.request = e.request.asPersisted();
            }
            persistedEntries.addAndGet(entries.size());
        }
    }

    static PendingBatch toBatch(String customerId, String batchId, List<Entry> entries) {
        Map<Long, Long> periods = new TreeMap<>();
        Map<String, long[]> daily = new TreeMap<>(); // day|model -> req, ok, pt, ct, sp
        Map<String, Long> models = new TreeMap<>(); // PendingFields.modelField -> spend
        for (Entry e : entries) {
            SettleRequest r = e.request;
            periods.merge(e.periodEndMs, r.costNanos(), Long::sum);
            if (r.hasModelBudget()) {
                models.merge(
                        PendingFields.modelField(r.modelPeriodEndMs(), r.modelBudgetKey()), r.costNanos(), Long::sum);
            }
            long[] d = daily.computeIfAbsent(r.day() + '|' + r.model(), k -> new long[5]);
            d[0] += r.requests();
            d[1] += r.successfulRequests();
            d[2] += r.promptTokens();
            d[3] += r.completionTokens();
            d[4] += r.costNanos();
        }
        List<PendingBatch.PeriodSpend> ps = new ArrayList<>();
        periods.forEach((pe, v) -> ps.add(new PendingBatch.PeriodSpend(pe, v)));
        List<PendingBatch.DailyUsage> du = new ArrayList<>();
        daily.forEach((k, d) -> {
            int bar = k.indexOf('|');
            du.add(new PendingBatch.DailyUsage(
                    k.substring(0, bar), k.substring(bar + 1), d[0], d[1], d[2], d[3], d[4]));
        });
        List<PendingBatch.ModelSpend> ms =
                PendingFields.toBatch(customerId, batchId, models).modelSpend();
        return new PendingBatch(customerId, batchId, ps, du, ms);
    }

    /**
     * Last replay; whatever is still not persisted is written to the database (the in-memory queue
     * dies with the process). Persisted entries whose counters never reached the store are dropped:
     * their spend is safe, and the store re-seeds from the database if it lost its data.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            thread.submit(() -> pass(true)).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Final spend journal pass failed", e);
        }
        thread.shutdownNow();
        long unpersisted = unpersistedSettles();
        if (unpersisted > 0) {
            LOG.error(
                    "{} settle(s) could reach neither the limit store nor the database and are lost at shutdown",
                    unpersisted);
        }
    }
}
