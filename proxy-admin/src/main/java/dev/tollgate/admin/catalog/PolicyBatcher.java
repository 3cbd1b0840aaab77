package dev.tollgate.admin.catalog;

import dev.tollgate.admin.db.JdbcExecutor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Gathers policy loads into bulk reads: while one read runs on the JDBC executor, the loads asked
 * for meanwhile queue up and go out together in the next one (at most {@link #MAX_BATCH} customers
 * per query). A million cached customers refreshed every 30 s then cost a few hundred queries a
 * second instead of tens of thousands, and a lone miss still goes out at once.
 */
final class PolicyBatcher {
    static final int MAX_BATCH = 500;

    /** One customer to load; {@code reload} marks a background refresh (a miss is not one). */
    record Request(String customerId, long nowMs, boolean reload, CompletableFuture<PolicyLoader.Loaded> result) {}

    private final JdbcExecutor executor;
    private final PolicyLoader loader;
    /** True while the database is failing: reloads still queued then are dropped without a query. */
    private final BooleanSupplier failing;

    private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    PolicyBatcher(JdbcExecutor executor, PolicyLoader loader, BooleanSupplier failing) {
        this.executor = executor;
        this.loader = loader;
        this.failing = failing;
    }

    /** Queues a load; a probe is a reload allowed through while the database is failing. */
    CompletableFuture<PolicyLoader.Loaded> load(String customerId, long nowMs, boolean reload) {
        Request r = new Request(customerId, nowMs, reload, new CompletableFuture<>());
        queue.add(r);
        maybeDrain();
        return r.result();
    }

    private void maybeDrain() {
        if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
            try {
                executor.submit(() -> {
                            drain();
                            return null;
                        })
                        .whenComplete((v, e) -> {
                            draining.set(false);
                            maybeDrain();
                        });
            } catch (RuntimeException e) {
                // The executor is closed: fail what is queued rather than leave it hanging.
                draining.set(false);
                Request r;
                while ((r = queue.poll()) != null) {
                    r.result().completeExceptionally(e);
                }
            }
        }
    }

    /** One bulk read of up to {@link #MAX_BATCH} queued customers; runs on the JDBC executor. */
    private void drain() {
        List<Request> batch = new ArrayList<>();
        Request r;
        while (batch.size() < MAX_BATCH && (r = queue.poll()) != null) {
            if (r.reload() && failing.getAsBoolean()) {
                // Queued before the database was found failing: leave it to the next probe.
                r.result().complete(null);
                continue;
            }
            batch.add(r);
        }
        if (batch.isEmpty()) {
            return;
        }
        Map<String, Long> ids = new LinkedHashMap<>();
        long nowMs = Long.MIN_VALUE;
        for (Request q : batch) {
            ids.putIfAbsent(q.customerId(), q.nowMs());
            nowMs = Math.max(nowMs, q.nowMs());
        }
        Map<String, PolicyLoader.Loaded> loaded;
        try {
            loaded = loader.loadAll(ids.keySet(), nowMs);
        } catch (Exception e) {
            for (Request q : batch) {
                q.result().completeExceptionally(e);
            }
            return;
        }
        for (Request q : batch) {
            q.result().complete(loaded.get(q.customerId()));
        }
    }
}
