package dev.tollgate.core.limits;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Folds the settles of one customer made on this instance within a short interval into one store
 * settle, so that a busy customer costs the store one settle script per interval instead of one
 * per call.
 *
 * <p>Settles fold when they share customer, admission minute, UTC day, model and period end; the
 * folded settle carries their sums (reservation, cost, tokens, calls and successful calls) and a
 * fresh settle id, its batch id, so a batch re-sent after a timeout is applied once, like a single
 * settle. Folding changes nothing the store computes: releasing the sum of reservations from one
 * admission minute releases what releasing them one by one would, and every counter is a sum. The
 * one rounding difference: a TPM window whose tokens would dip below zero between two folded
 * settles is clamped once instead of twice.
 *
 * <p>Each window's first settle arms one flush {@code intervalMs} later (one timer for all
 * customers, never one per customer); {@link #flush()} sends everything at once (shutdown, tests).
 * A settle waits at most {@code intervalMs} plus one store round trip before its spend is in the
 * store. What a {@code kill -9} loses is therefore, besides the calls in flight, the settles still
 * folded here: at most the last {@code intervalMs} of this instance's calls, as reported by
 * {@link #bufferedNanos()}. Their reservations stay in the store and expire like those of calls
 * in flight.
 *
 * <p>Thread-safe: settles may come from any thread; the futures complete on the thread that
 * completes the store's settle, or, on failure, after {@link Failure#failed} returned.
 */
public final class SettleBatcher implements AutoCloseable {
    /** What to do with a folded settle the store did not confirm (journal it, or log it). */
    @FunctionalInterface
    public interface Failure {
        void failed(SettleRequest batch, long periodEndMs, Throwable error);
    }

    private final LimitStore store;
    private final long intervalMs;
    private final ScheduledExecutorService scheduler;
    private final Supplier<String> batchIds;
    private final Failure onFailure;

    private final Object lock = new Object();
    private Map<Key, Group> open = new HashMap<>();
    private boolean armed;
    private boolean closed;
    private long openNanos;

    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong settles = new AtomicLong();

    /**
     * @param scheduler runs the flushes; the caller owns it and shuts it down after {@link #close()}
     * @param batchIds  a fresh, fleet-wide unique settle id per folded settle
     */
    public SettleBatcher(
            LimitStore store,
            long intervalMs,
            ScheduledExecutorService scheduler,
            Supplier<String> batchIds,
            Failure onFailure) {
        if (intervalMs <= 0) {
            throw new IllegalArgumentException("intervalMs must be positive, got " + intervalMs);
        }
        this.store = store;
        this.intervalMs = intervalMs;
        this.scheduler = scheduler;
        this.batchIds = batchIds;
        this.onFailure = onFailure;
    }

    /**
     * Folds {@code r} into its customer's open batch. Completes with the store's result for the
     * whole batch (period spend after it), or null when the store did not confirm it (then
     * {@link Failure#failed} has been told). A persisted settle (a journal replay) is not folded.
     */
    public CompletionStage<SettleResult> settle(SettleRequest r, long periodEndMs) {
        if (r.persisted()) {
            return store.settle(r);
        }
        CompletableFuture<SettleResult> done = new CompletableFuture<>();
        boolean arm;
        boolean direct;
        synchronized (lock) {
            direct = closed;
            arm = false;
            if (!direct) {
                open.computeIfAbsent(new Key(r, periodEndMs), k -> new Group(periodEndMs))
                        .add(r, done);
                openNanos += r.costNanos();
                arm = !armed;
                armed = true;
            }
        }
        if (direct) {
            send(List.of(new Group(periodEndMs).add(r, done)));
        } else if (arm) {
            scheduler.schedule(this::flush, intervalMs, TimeUnit.MILLISECONDS);
        }
        return done;
    }

    /** Sends every open batch now; completes when the store answered them all. */
    public CompletionStage<Void> flush() {
        Map<Key, Group> due;
        synchronized (lock) {
            due = open;
            open = new HashMap<>();
            openNanos = 0;
            armed = false;
        }
        return send(new ArrayList<>(due.values()));
    }

    private CompletionStage<Void> send(List<Group> groups) {
        CompletableFuture<?>[] sent = new CompletableFuture<?>[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            sent[i] = send(groups.get(i));
        }
        return CompletableFuture.allOf(sent);
    }

    private CompletableFuture<Void> send(Group g) {
        SettleRequest batch = g.toRequest(batchIds.get());
        batches.incrementAndGet();
        settles.addAndGet(g.members.size());
        CompletionStage<SettleResult> stage;
        try {
            stage = store.settle(batch);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((result, err) -> {
                    if (err != null) {
                        try {
                            onFailure.failed(batch, g.periodEndMs, err);
                        } finally {
                            g.complete(null);
                        }
                    } else {
                        g.complete(result);
                    }
                    return (Void) null;
                })
                .toCompletableFuture();
    }

    /** Folded settles sent to the store. */
    public long batches() {
        return batches.get();
    }

    /** Settles sent to the store inside folded settles. */
    public long settles() {
        return settles.get();
    }

    /** Cost, in nano-dollars, of the settles folded here and not yet sent (lost on a crash). */
    public long bufferedNanos() {
        synchronized (lock) {
            return openNanos;
        }
    }

    /** Sends what is open and settles directly from then on. The scheduler stays the caller's. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        flush().toCompletableFuture().join();
    }

    private record Key(String customerId, long windowStartMs, String day, String model, long periodEndMs) {
        Key(SettleRequest r, long periodEndMs) {
            this(r.customerId(), r.windowStartMs(), r.day(), r.model(), periodEndMs);
        }
    }

    /** Sums of one batch and the futures of its settles. */
    private static final class Group {
        final long periodEndMs;
        final List<CompletableFuture<SettleResult>> members = new ArrayList<>(4);
        SettleRequest first;
        long reserveNanos;
        long reserveTokens;
        long costNanos;
        long rateTokens;
        long promptTokens;
        long completionTokens;
        long requests;
        long successful;

        Group(long periodEndMs) {
            this.periodEndMs = periodEndMs;
        }

        Group add(SettleRequest r, CompletableFuture<SettleResult> done) {
            if (first == null) {
                first = r;
            }
            reserveNanos += Math.max(0, r.reserveNanos());
            reserveTokens += r.reserveTokens();
            costNanos += r.costNanos();
            rateTokens += r.rateTokens();
            promptTokens += r.promptTokens();
            completionTokens += r.completionTokens();
            requests += r.requests();
            successful += r.successfulRequests();
            members.add(done);
            return this;
        }

        SettleRequest toRequest(String batchId) {
            return SettleRequest.builder()
                    .customerId(first.customerId())
                    .windowStartMs(first.windowStartMs())
                    .day(first.day())
                    .model(first.model())
                    .reserveNanos(reserveNanos)
                    .reserveTokens(reserveTokens)
                    .costNanos(costNanos)
                    .rateTokens(rateTokens)
                    .promptTokens(promptTokens)
                    .completionTokens(completionTokens)
                    .requests(requests)
                    .successfulRequests(successful)
                    .success(successful > 0)
                    .settleId(Objects.requireNonNull(batchId, "batch id"))
                    .build();
        }

        void complete(SettleResult result) {
            for (CompletableFuture<SettleResult> f : members) {
                f.complete(result);
            }
        }
    }
}
