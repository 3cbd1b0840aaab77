package dev.tollgate.server.metrics;

import static dev.tollgate.server.metrics.MetricNames.*;

import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallRecord;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * LiteLLM's per-customer series ({@code litellm_spend_metric_total}, {@code litellm_total_tokens_metric_total},
 * {@code litellm_requests_metric_total}, label {@code end_user}) plus {@code tollgate_end_user_remaining_budget_usd},
 * with a hard cap: only the top {@code cap} customers by spend get their own series, everyone else
 * is summed into {@code end_user="__other__"}. So a scrape has at most {@code cap + 1} series per
 * metric however many customers there are.
 *
 * <p>Calls update lock-free accumulators on the event loop; {@link #refresh} re-ranks (off the
 * event loop, before a scrape) and registers or removes meters. When a customer enters the top N,
 * its spend leaves {@code __other__}, which then decreases; Prometheus reads that as a counter
 * reset. Membership changes are rare once spend has accumulated.
 */
final class EndUserSeries {
    static final String OTHER = "__other__";
    /** Customers tracked individually; beyond this they only count in totals (hence in __other__). */
    static final int MAX_TRACKED = 200_000;

    private static final String SPEND_HELP = "Spend per end user in USD (top N by spend, the rest in __other__)";
    private static final String TOKENS_HELP =
            "Input plus output tokens per end user (top N by spend, the rest in __other__)";
    private static final String REQUESTS_HELP = "Calls per end user (top N by spend, the rest in __other__)";

    private final MeterRegistry registry;
    private final int cap;
    private final ConcurrentHashMap<String, Acc> accounts = new ConcurrentHashMap<>();
    private final LongAdder totalSpend = new LongAdder();
    private final LongAdder totalTokens = new LongAdder();
    private final LongAdder totalRequests = new LongAdder();
    private volatile boolean dirty;
    // Guarded by this.
    private final Map<String, List<Meter>> top = new HashMap<>();
    private volatile List<Acc> topAccs = List.of();

    /** One customer's sums. */
    static final class Acc {
        final String id;
        final LongAdder spend = new LongAdder();
        final LongAdder tokens = new LongAdder();
        final LongAdder requests = new LongAdder();
        volatile long remainingNanos = -1;

        Acc(String id) {
            this.id = id;
        }
    }

    EndUserSeries(MeterRegistry registry, int cap) {
        this.registry = registry;
        this.cap = cap;
        FunctionCounter.builder(LITELLM_SPEND, this, s -> usd(s.totalSpend.sum() - s.sumTop(a -> a.spend.sum())))
                .description(SPEND_HELP)
                .tag(END_USER, OTHER)
                .register(registry);
        FunctionCounter.builder(LITELLM_TOTAL_TOKENS, this, s -> s.totalTokens.sum() - s.sumTop(a -> a.tokens.sum()))
                .description(TOKENS_HELP)
                .tag(END_USER, OTHER)
                .register(registry);
        FunctionCounter.builder(LITELLM_REQUESTS, this, s -> s.totalRequests.sum() - s.sumTop(a -> a.requests.sum()))
                .description(REQUESTS_HELP)
                .tag(END_USER, OTHER)
                .register(registry);
    }

    void record(CallRecord r) {
        if (r.customerId() == null) {
            return;
        }
        long tokens = r.usage().promptTokens() + r.usage().completionTokens();
        totalSpend.add(r.costNanos());
        totalTokens.add(tokens);
        totalRequests.increment();
        Acc a = accounts.get(r.customerId());
        if (a == null) {
            if (accounts.size() >= MAX_TRACKED) {
                dirty = true;
                return;
            }
            a = accounts.computeIfAbsent(r.customerId(), Acc::new);
        }
        a.spend.add(r.costNanos());
        a.tokens.add(tokens);
        a.requests.increment();
        if (r.hasBudget() && r.periodSpendNanos() >= 0) {
            a.remainingNanos = Math.max(0, r.maxBudgetNanos() - r.periodSpendNanos());
        }
        dirty = true;
    }

    /** Re-ranks customers and (un)registers their meters; cheap when nothing changed. */
    synchronized void refresh() {
        if (!dirty) {
            return;
        }
        dirty = false;
        PriorityQueue<Acc> heap = new PriorityQueue<>(
                Math.max(1, cap + 1),
                Comparator.<Acc>comparingLong(a -> a.spend.sum()).thenComparing(a -> a.id, Comparator.reverseOrder()));
        if (cap > 0) {
            for (Acc a : accounts.values()) {
                heap.add(a);
                if (heap.size() > cap) {
                    heap.poll();
                }
            }
        }
        Set<String> wanted = new HashSet<>();
        List<Acc> accs = new ArrayList<>(heap);
        for (Acc a : accs) {
            wanted.add(a.id);
        }
        for (var it = top.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.contains(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        for (Acc a : accs) {
            List<Meter> meters = top.get(a.id);
            if (meters == null) {
                meters = new ArrayList<>(4);
                meters.add(FunctionCounter.builder(LITELLM_SPEND, a, x -> usd(x.spend.sum()))
                        .description(SPEND_HELP)
                        .tag(END_USER, a.id)
                        .register(registry));
                meters.add(FunctionCounter.builder(LITELLM_TOTAL_TOKENS, a, x -> x.tokens.sum())
                        .description(TOKENS_HELP)
                        .tag(END_USER, a.id)
                        .register(registry));
                meters.add(FunctionCounter.builder(LITELLM_REQUESTS, a, x -> x.requests.sum())
                        .description(REQUESTS_HELP)
                        .tag(END_USER, a.id)
                        .register(registry));
                top.put(a.id, meters);
            }
            if (a.remainingNanos >= 0 && meters.size() == 3) {
                meters.add(Gauge.builder(END_USER_REMAINING_BUDGET, a, x -> usd(Math.max(0, x.remainingNanos)))
                        .description("Budget left in the current period per end user (top N by spend)")
                        .tag(END_USER, a.id)
                        .register(registry));
            }
        }
        topAccs = List.copyOf(accs);
    }

    private double sumTop(ToLongFunction<Acc> f) {
        long sum = 0;
        for (Acc a : topAccs) {
            sum += f.applyAsLong(a);
        }
        return sum;
    }

    private static double usd(double nanos) {
        return nanos / Money.NANOS_PER_USD;
    }

    int trackedCustomers() {
        return accounts.size();
    }
}
