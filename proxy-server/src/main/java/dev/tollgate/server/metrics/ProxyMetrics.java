package dev.tollgate.server.metrics;

import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.spend.SpendFlusher;
import dev.tollgate.admin.webhook.WebhookStats;
import dev.tollgate.admin.webhook.Webhooks;
import dev.tollgate.core.config.LitellmSettings;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.server.proxy.Admission;
import dev.tollgate.server.proxy.Settlement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Proxy metrics in the Prometheus format through Micrometer. Our own names carry the
 * {@code tollgate_} prefix and no per-customer label; LiteLLM's per-customer series (label
 * {@code end_user}) exist only with {@code litellm_settings.enable_end_user_cost_tracking_prometheus_only},
 * capped by {@code prometheus_end_user_cap} (see {@link EndUserSeries}).
 *
 * <p>Per call ({@link #onCall}, on the event loop): counters and histograms only, no I/O. Gauges
 * of the stores, the flusher and the webhook pipeline read in-memory counters at scrape time.
 * Scrapes run on their own thread ({@link #scrapeExecutor()}), not on an event loop.
 */
public final class ProxyMetrics implements CallListener, AutoCloseable {
    private final ConcurrentHashMap<String, ModelMeters> byModel = new ConcurrentHashMap<>();
    /** Refusal reasons exported from the start (at 0), so dashboards and alerts see them before the first refusal. */
    public static final List<String> REFUSAL_REASONS =
            List.of("budget", "rpm", "tpm", "blocked", "auth", "no_customer", "store_unavailable");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final EndUserSeries endUsers;
    private final ExecutorService scrapeExecutor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tollgate-metrics-scrape");
        t.setDaemon(true);
        return t;
    });

    /** Everything whose health the metrics read; {@code webhooks} may be null. */
    public record Runtime(
            LimitStore store,
            SpendFlusher flusher,
            Settlement settlement,
            Admission admission,
            Webhooks webhooks,
            EventLoopGroup workers,
            JdbcExecutor jdbc) {}

    public ProxyMetrics() {
        this(new LitellmSettings(null, ZoneOffset.UTC, false, false, 100));
    }

    public ProxyMetrics(LitellmSettings litellm) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(registry);
        for (String reason : REFUSAL_REASONS) {
            refusalCounter(reason);
        }
        boolean perCustomer =
                litellm.enableEndUserCostTrackingPrometheusOnly() && !litellm.disableEndUserCostTracking();
        this.endUsers = perCustomer ? new EndUserSeries(registry, litellm.prometheusEndUserCap()) : null;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    ExecutorService scrapeExecutor() {
        return scrapeExecutor;
    }

    /** The Prometheus text; re-ranks the per-customer series first. Call off the event loop. */
    public String scrape() {
        if (endUsers != null) {
            endUsers.refresh();
        }
        return registry.scrape();
    }

    /** Gauges and counters over the running server's parts. */
    public void bindRuntime(Runtime rt) {
        new NettyEventExecutorMetrics(rt.workers()).bindTo(registry);
        if (rt.store() instanceof RedisLimitStore redis) {
            FunctionCounter.builder("tollgate_redis_errors", redis, RedisLimitStore::redisErrors)
                    .description("Redis script calls that failed (timeouts, connection loss, errors)")
                    .register(registry);
            FunctionCounter.builder("tollgate_redis_script_fallbacks", redis, RedisLimitStore::scriptFallbacks)
                    .description("Lua scripts re-sent with EVAL after NOSCRIPT")
                    .register(registry);
        } else {
            FunctionCounter.builder("tollgate_redis_errors", this, m -> 0)
                    .description("Redis script calls that failed (no Redis configured)")
                    .register(registry);
            FunctionCounter.builder("tollgate_redis_script_fallbacks", this, m -> 0)
                    .description("Lua scripts re-sent with EVAL after NOSCRIPT (no Redis configured)")
                    .register(registry);
        }
        FunctionCounter.builder("tollgate_limit_store_errors", rt.admission(), Admission::storeErrors)
                .tag("op", "admit")
                .description("Limit store calls that failed, by operation")
                .register(registry);
        FunctionCounter.builder("tollgate_limit_store_errors", rt.settlement(), Settlement::settleFailures)
                .tag("op", "settle")
                .description("Limit store calls that failed, by operation")
                .register(registry);
        FunctionCounter.builder("tollgate_unattributed_requests", rt.admission(), Admission::unattributedCalls)
                .description("Calls that named no customer, so no budget or limit applied (served, or refused"
                        + " with require_customer_id); not counted with disable_end_user_cost_tracking")
                .register(registry);
        FunctionCounter.builder("tollgate_database_errors", rt.admission(), Admission::catalogErrors)
                .tag("component", "catalog")
                .description("Database operations that failed, by component")
                .register(registry);
        FunctionCounter.builder("tollgate_database_errors", rt.flusher(), SpendFlusher::pendingBatchesFailed)
                .tag("component", "spend_flush")
                .description("Database operations that failed, by component")
                .register(registry);
        Gauge.builder("tollgate_spend_pending_customers", rt.flusher(), SpendFlusher::lastPassDirtyCustomers)
                .description("Customers with spend not yet written to the database, as of the last flush pass")
                .register(registry);
        long startedMs = System.currentTimeMillis();
        Gauge.builder("tollgate_spend_flush_lag_seconds", rt.flusher(), f -> {
                    long last = f.lastSuccessfulFlushMs();
                    return (System.currentTimeMillis() - (last > 0 ? last : startedMs)) / 1000.0;
                })
                .description("Seconds since the last flush pass that met no failure")
                .register(registry);
        bindWebhooks(rt.webhooks());
    }

    private void bindWebhooks(Webhooks webhooks) {
        WebhookStats s = webhooks != null ? webhooks.stats() : new WebhookStats();
        Gauge.builder("tollgate_webhook_queue_depth", webhooks, w -> w == null ? 0 : w.queueDepth())
                .description("Webhook events waiting in memory to be written to the outbox")
                .register(registry);
        Gauge.builder("tollgate_webhook_outbox_pending", s, WebhookStats::outboxPending)
                .description("Webhook events in the outbox not delivered yet")
                .register(registry);
        Gauge.builder("tollgate_webhook_endpoint_disabled", s, x -> x.endpointDisabled() ? 1 : 0)
                .description("1 after the receiver answered 410 Gone (delivery stopped until restart)")
                .register(registry);
        counter(
                "tollgate_webhook_events",
                s,
                WebhookStats::written,
                "result",
                "written",
                "Webhook events written to the outbox");
        counter(
                "tollgate_webhook_events",
                s,
                WebhookStats::duplicates,
                "result",
                "duplicate",
                "Budget events another instance or call had written already");
        counter(
                "tollgate_webhook_deliveries",
                s,
                WebhookStats::delivered,
                "result",
                "delivered",
                "Webhook delivery outcomes");
        counter("tollgate_webhook_deliveries", s, WebhookStats::dead, "result", "dead", "Webhook delivery outcomes");
        counter("tollgate_webhook_deliveries", s, WebhookStats::gone, "result", "gone", "Webhook delivery outcomes");
        FunctionCounter.builder("tollgate_webhook_retries", s, WebhookStats::retries)
                .description("Failed webhook attempts that were rescheduled")
                .register(registry);
        counter(
                "tollgate_webhook_dropped",
                s,
                WebhookStats::droppedQueueFull,
                "reason",
                "queue_full",
                "Webhook events dropped, by reason");
        counter(
                "tollgate_webhook_dropped",
                s,
                WebhookStats::droppedDatabase,
                "reason",
                "database",
                "Webhook events dropped, by reason");
        counter(
                "tollgate_webhook_dropped",
                s,
                WebhookStats::droppedClosed,
                "reason",
                "shutdown",
                "Webhook events dropped, by reason");
        counter(
                "tollgate_database_errors",
                s,
                WebhookStats::outboxErrors,
                "component",
                "webhook_outbox",
                "Database operations that failed, by component");
    }

    private <T> void counter(String name, T obj, ToDoubleFunction<T> f, String tag, String value, String description) {
        FunctionCounter.builder(name, obj, f)
                .tag(tag, value)
                .description(description)
                .register(registry);
    }

    /** Counts a refused (or degraded) admission by reason: budget, rpm, tpm, blocked, auth, store_unavailable(_admitted). */
    public void refusal(String reason) {
        refusalCounter(reason).increment();
    }

    private Counter refusalCounter(String reason) {
        return Counter.builder("tollgate_refusals")
                .description("Calls refused before reaching the upstream, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    @Override
    public void onCall(CallRecord r) {
        ModelMeters m = byModel.computeIfAbsent(r.modelGroup(), ModelMeters::new);
        int s = r.stream() ? 1 : 0;
        m.requests(r.route(), r.status(), r.stream()).increment();
        m.total[s].record(r.totalNanos(), TimeUnit.NANOSECONDS);
        if (r.upstreamNanos() > 0) {
            m.upstream[s].record(r.upstreamNanos(), TimeUnit.NANOSECONDS);
        }
        m.overhead[s].record(Math.max(0, r.totalNanos() - r.upstreamNanos()), TimeUnit.NANOSECONDS);
        if (r.stream() && r.firstByteNanos() > 0) {
            m.ttfb.record(r.firstByteNanos(), TimeUnit.NANOSECONDS);
        }
        m.tokensIn.increment(r.usage().promptTokens());
        m.tokensOut.increment(r.usage().completionTokens());
        m.spend.increment((double) r.costNanos() / Money.NANOS_PER_USD);
        if (endUsers != null) {
            endUsers.record(r);
        }
    }

    /**
     * The meters of one model, registered once: looking meters up through Micrometer's builders
     * on every call cost more than recording into them.
     */
    private final class ModelMeters {
        final String model;
        final Timer[] total = new Timer[2];
        final Timer[] upstream = new Timer[2];
        final Timer[] overhead = new Timer[2];
        final Timer ttfb;
        final Counter tokensIn;
        final Counter tokensOut;
        final Counter spend;
        /** Keyed by status, stream flag and route. */
        private final ConcurrentHashMap<Long, Counter> requests = new ConcurrentHashMap<>();

        ModelMeters(String model) {
            this.model = model;
            for (int s = 0; s < 2; s++) {
                String stream = Boolean.toString(s == 1);
                total[s] = timer("tollgate_request_duration", "Total call latency as seen by the proxy", model, stream);
                upstream[s] = timer(
                        "tollgate_upstream_duration",
                        "Upstream latency: request sent to response finished",
                        model,
                        stream);
                overhead[s] = timer(
                        "tollgate_proxy_overhead",
                        "Proxy overhead: total latency minus upstream latency",
                        model,
                        stream);
            }
            ttfb = timer(
                    "tollgate_stream_time_to_first_byte",
                    "Streams: request arrival to the upstream's first byte",
                    model,
                    "true");
            tokensIn = Counter.builder("tollgate_tokens")
                    .description("Tokens by model and direction")
                    .tags("model", model, "direction", "input")
                    .register(registry);
            tokensOut = Counter.builder("tollgate_tokens")
                    .description("Tokens by model and direction")
                    .tags("model", model, "direction", "output")
                    .register(registry);
            spend = Counter.builder("tollgate_spend_usd")
                    .description("Spend by model in USD (exact totals live in the database)")
                    .tags("model", model)
                    .register(registry);
        }

        Counter requests(String route, int status, boolean stream) {
            long key = ((long) status << 2) | (stream ? 2 : 0) | (route.hashCode() & 1);
            Counter c = requests.get(key);
            if (c == null || !c.getId().getTag("route").equals(route)) {
                c = Counter.builder("tollgate_requests")
                        .description("Proxied calls by model, route and status")
                        .tags(
                                "model",
                                model,
                                "route",
                                route,
                                "status",
                                Integer.toString(status),
                                "stream",
                                Boolean.toString(stream))
                        .register(registry);
                requests.put(key, c);
            }
            return c;
        }
    }

    private Timer timer(String name, String description, String model, String stream) {
        return Timer.builder(name)
                .description(description)
                .tags("model", model, "stream", stream)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
    }

    @Override
    public void close() {
        scrapeExecutor.shutdownNow();
    }
}
