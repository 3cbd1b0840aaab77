package dev.tollgate.server.metrics;

import static dev.tollgate.server.metrics.MetricNames.*;

import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallRecord;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
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
 * LiteLLM's per-call counters with LiteLLM's label set: {@code litellm_requests_metric},
 * {@code litellm_spend_metric}, {@code litellm_total_tokens_metric}, {@code litellm_input_tokens_metric}
 * and {@code litellm_output_tokens_metric}, by {@code model} (and {@code requested_model} on the
 * token counters) and {@code end_user}. Exported whenever metrics are on.
 *
 * <p>{@code end_user} is filled only with {@code enable_end_user_cost_tracking_prometheus_only},
 * and with a hard cap: only the top {@code cap} customers by spend get their own series, everyone
 * else is summed into {@code end_user="__other__"}. Without the flag it is empty. So a scrape has
 * at most {@code (cap + 1) x models} series per metric however many customers there are. Label
 * values are configured model names, the capped customer ids and the master key's hash only;
 * nothing a client chooses freely.
 *
 * <p>Calls update lock-free accumulators on the event loop; {@link #refresh} re-ranks (off the
 * event loop, before a scrape) and registers or removes meters. When a customer enters the top N,
 * its counts leave {@code __other__}, which then decreases; Prometheus reads that as a counter
 * reset. Membership changes are rare once spend has accumulated.
 */
final class EndUserSeries {
    static final String OTHER = "__other__";
    /** Customers tracked individually; beyond this they only count in totals (hence in __other__). */
    static final int MAX_TRACKED = 200_000;

    /** The model labels of one series: the deployment's model and the model group the client asked for. */
    record ModelKey(String model, String requestedModel) {}

    /** Sums of one (customer or total, model) pair. */
    static final class Sums {
        final LongAdder spend = new LongAdder();
        final LongAdder input = new LongAdder();
        final LongAdder output = new LongAdder();
        final LongAdder requests = new LongAdder();

        void add(CallRecord r) {
            spend.add(r.costNanos());
            input.add(r.usage().promptTokens());
            output.add(r.usage().completionTokens());
            requests.increment();
        }
    }

    /** One customer's sums by model. */
    static final class Acc {
        final String id;
        final LongAdder spend = new LongAdder();
        final ConcurrentHashMap<ModelKey, Sums> byModel = new ConcurrentHashMap<>(4);

        Acc(String id) {
            this.id = id;
        }
    }

    private final MeterRegistry registry;
    private final int cap;
    private final boolean perCustomer;
    private final Tags constant;
    private final ConcurrentHashMap<ModelKey, Sums> totals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Acc> accounts = new ConcurrentHashMap<>();
    private volatile boolean dirty;
    // Guarded by this.
    private final Map<ModelKey, List<Meter>> otherMeters = new HashMap<>();
    private final Map<String, Map<ModelKey, List<Meter>>> top = new HashMap<>();
    private volatile List<Acc> topAccs = List.of();

    /**
     * @param perCustomer fill {@code end_user} (top {@code cap} by spend, the rest in {@code __other__})
     * @param hashedApiKey the master key's hash, or empty without one
     */
    EndUserSeries(MeterRegistry registry, boolean perCustomer, int cap, String hashedApiKey) {
        this.registry = registry;
        this.perCustomer = perCustomer;
        this.cap = perCustomer ? cap : 0;
        this.constant = Tags.of(HASHED_API_KEY, hashedApiKey, API_KEY_ALIAS, "", TEAM, "", TEAM_ALIAS, "", USER, "");
    }

    void record(CallRecord r) {
        ModelKey key = new ModelKey(r.deploymentModel(), r.modelGroup());
        Sums total = totals.get(key);
        if (total == null) {
            total = totals.computeIfAbsent(key, k -> new Sums());
            dirty = true;
        }
        total.add(r);
        if (!perCustomer || r.customerId() == null) {
            return;
        }
        Acc a = accounts.get(r.customerId());
        if (a == null) {
            if (accounts.size() >= MAX_TRACKED) {
                return;
            }
            a = accounts.computeIfAbsent(r.customerId(), Acc::new);
        }
        a.spend.add(r.costNanos());
        a.byModel.computeIfAbsent(key, k -> new Sums()).add(r);
        dirty = true;
    }

    /** Re-ranks customers and (un)registers their meters; cheap when nothing changed. */
    synchronized void refresh() {
        if (!dirty) {
            return;
        }
        dirty = false;
        for (ModelKey key : totals.keySet()) {
            otherMeters.computeIfAbsent(key, this::registerOther);
        }
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
        List<Acc> accs = new ArrayList<>(heap);
        Set<String> wanted = new HashSet<>();
        for (Acc a : accs) {
            wanted.add(a.id);
        }
        for (var it = top.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.contains(e.getKey())) {
                e.getValue().values().forEach(ms -> ms.forEach(registry::remove));
                it.remove();
            }
        }
        for (Acc a : accs) {
            Map<ModelKey, List<Meter>> mine = top.computeIfAbsent(a.id, id -> new HashMap<>());
            for (var e : a.byModel.entrySet()) {
                mine.computeIfAbsent(e.getKey(), k -> register(a.id, k, e.getValue()));
            }
        }
        topAccs = List.copyOf(accs);
    }

    private List<Meter> registerOther(ModelKey key) {
        Sums t = totals.get(key);
        return registerAll(perCustomer ? OTHER : "", key, t, f -> f.applyAsLong(t) - sumTop(key, f));
    }

    private List<Meter> register(String endUser, ModelKey key, Sums s) {
        return registerAll(endUser, key, s, f -> f.applyAsLong(s));
    }

    /** The five counters of one (end user, model) pair; {@code value} reads one field of the sums. */
    private List<Meter> registerAll(
            String endUser, ModelKey key, Sums s, java.util.function.ToDoubleFunction<ToLongFunction<Sums>> value) {
        Tags base = constant.and(END_USER, endUser, MODEL, key.model());
        Tags tokens = base.and(REQUESTED_MODEL, key.requestedModel());
        List<Meter> meters = new ArrayList<>(5);
        meters.add(FunctionCounter.builder(LITELLM_REQUESTS, s, x -> value.applyAsDouble(y -> y.requests.sum()))
                .description("Calls that reached a model (LiteLLM's name), by end user and model")
                .tags(base)
                .register(registry));
        meters.add(FunctionCounter.builder(LITELLM_SPEND, s, x -> usd(value.applyAsDouble(y -> y.spend.sum())))
                .description("Spend in USD (LiteLLM's name), by end user and model")
                .tags(base)
                .register(registry));
        meters.add(FunctionCounter.builder(
                        LITELLM_TOTAL_TOKENS, s, x -> value.applyAsDouble(y -> y.input.sum() + y.output.sum()))
                .description("Input plus output tokens (LiteLLM's name), by end user and model")
                .tags(tokens)
                .register(registry));
        meters.add(FunctionCounter.builder(LITELLM_INPUT_TOKENS, s, x -> value.applyAsDouble(y -> y.input.sum()))
                .description("Input (prompt) tokens (LiteLLM's name), by end user and model")
                .tags(tokens)
                .register(registry));
        meters.add(FunctionCounter.builder(LITELLM_OUTPUT_TOKENS, s, x -> value.applyAsDouble(y -> y.output.sum()))
                .description("Output (completion) tokens (LiteLLM's name), by end user and model")
                .tags(tokens)
                .register(registry));
        return meters;
    }

    private long sumTop(ModelKey key, ToLongFunction<Sums> f) {
        long sum = 0;
        for (Acc a : topAccs) {
            Sums s = a.byModel.get(key);
            if (s != null) {
                sum += f.applyAsLong(s);
            }
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
