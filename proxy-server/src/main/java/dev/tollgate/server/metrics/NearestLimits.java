package dev.tollgate.server.metrics;

import static dev.tollgate.server.metrics.MetricNames.*;

import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallRecord;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code cap} customers nearest to or over their budget, by share of the budget spent in the
 * current period: {@code tollgate_end_user_remaining_budget_usd} (0 when over) and
 * {@code tollgate_end_user_budget_used_ratio} (1 or more when at or over), label {@code end_user}.
 * Ranking by spend instead would never show the small customers that ran out. Each customer's
 * standing is the one its last call left; a budget period that has ended since counts as reset.
 */
final class NearestLimits {
    /** Customers with a budget tracked; beyond this new ones are not ranked. */
    static final int MAX_TRACKED = 200_000;

    /** The standing one call left: budget, spend in the period, and when the period ends (0 = never). */
    record Standing(long maxNanos, long spentNanos, long periodEndMs) {
        double usedRatio(long nowMs) {
            if (periodEndMs > 0 && nowMs >= periodEndMs) {
                return 0;
            }
            return maxNanos <= 0 ? (spentNanos > 0 ? Double.MAX_VALUE : 1) : (double) spentNanos / maxNanos;
        }

        long remainingNanos(long nowMs) {
            if (periodEndMs > 0 && nowMs >= periodEndMs) {
                return maxNanos;
            }
            return Math.max(0, maxNanos - spentNanos);
        }
    }

    private final MeterRegistry registry;
    private final int cap;
    private final Clock clock;
    private final ConcurrentHashMap<String, Standing> standings = new ConcurrentHashMap<>();
    private volatile boolean dirty;
    // Guarded by this.
    private final Map<String, List<Meter>> shown = new HashMap<>();

    NearestLimits(MeterRegistry registry, int cap, Clock clock) {
        this.registry = registry;
        this.cap = cap;
        this.clock = clock;
    }

    void record(CallRecord r) {
        if (r.customerId() == null || !r.hasBudget() || r.periodSpendNanos() < 0) {
            return;
        }
        Standing s = new Standing(r.maxBudgetNanos(), r.periodSpendNanos(), r.periodEndMs());
        if (standings.size() >= MAX_TRACKED && !standings.containsKey(r.customerId())) {
            return;
        }
        standings.put(r.customerId(), s);
        dirty = true;
    }

    /** Re-ranks and (un)registers the gauges. Periods end without calls, so this always ranks. */
    synchronized void refresh() {
        if (cap <= 0 || (!dirty && standings.isEmpty())) {
            return;
        }
        dirty = false;
        long now = clock.millis();
        record Ranked(String id, double used) {}
        PriorityQueue<Ranked> heap = new PriorityQueue<>(
                cap + 1, Comparator.comparingDouble(Ranked::used).thenComparing(Ranked::id, Comparator.reverseOrder()));
        for (var e : standings.entrySet()) {
            double used = e.getValue().usedRatio(now);
            if (used <= 0) {
                continue;
            }
            heap.add(new Ranked(e.getKey(), used));
            if (heap.size() > cap) {
                heap.poll();
            }
        }
        Set<String> wanted = new HashSet<>();
        for (Ranked r : heap) {
            wanted.add(r.id());
        }
        for (var it = shown.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.contains(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        for (String id : wanted) {
            shown.computeIfAbsent(id, this::register);
        }
    }

    private List<Meter> register(String id) {
        List<Meter> meters = new ArrayList<>(2);
        meters.add(Gauge.builder(END_USER_REMAINING_BUDGET, this, n -> n.remaining(id))
                .description("Budget left in the current period, for the customers nearest to or over their budget")
                .tag(END_USER, id)
                .register(registry));
        meters.add(Gauge.builder(END_USER_BUDGET_USED, this, n -> n.used(id))
                .description("Share of the budget spent in the current period (1 = at the limit), for the customers"
                        + " nearest to or over their budget")
                .tag(END_USER, id)
                .register(registry));
        return meters;
    }

    private double remaining(String id) {
        Standing s = standings.get(id);
        return s == null ? Double.NaN : s.remainingNanos(clock.millis()) / (double) Money.NANOS_PER_USD;
    }

    private double used(String id) {
        Standing s = standings.get(id);
        if (s == null) {
            return Double.NaN;
        }
        double r = s.usedRatio(clock.millis());
        return r == Double.MAX_VALUE ? Double.POSITIVE_INFINITY : r;
    }
}
