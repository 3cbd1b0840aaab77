package dev.tollgate.server.metrics;

import static dev.tollgate.server.metrics.MetricNames.*;

import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.reconcile.SpendReconciler;
import dev.tollgate.admin.spend.SpendFlusher;
import dev.tollgate.admin.webhook.WebhookStats;
import dev.tollgate.admin.webhook.Webhooks;
import dev.tollgate.core.config.LitellmSettings;
import dev.tollgate.core.config.ModelDeployment;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.LeaseBook;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.routing.Cooldowns;
import dev.tollgate.core.threads.DaemonThreads;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.proxy.Admission;
import dev.tollgate.server.proxy.RefusalListener;
import dev.tollgate.server.proxy.RefusalReason;
import dev.tollgate.server.proxy.Settlement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Proxy metrics in the Prometheus format through Micrometer. Our own names carry the
 * {@code tollgate_} prefix and no per-customer label. LiteLLM's names carry LiteLLM's labels and
 * are always exported; their {@code end_user} label is filled only with
 * {@code litellm_settings.enable_end_user_cost_tracking_prometheus_only}, capped by
 * {@code prometheus_end_user_cap} (see {@link EndUserSeries}), and so are the customers nearest to
 * their budget ({@link NearestLimits}). Label values are configured names, statuses, fixed
 * classes, the master key's hash and capped customer ids, never a client's free text.
 *
 * <p>Per call ({@link #onCall}, on the event loop): counters and histograms only, no I/O. Gauges
 * of the stores, the flusher and the webhook pipeline read in-memory counters at scrape time.
 * Scrapes run on their own thread ({@link #scrapeExecutor()}), not on an event loop.
 */
public final class ProxyMetrics implements CallListener, RefusalListener, AutoCloseable {
    private static final Duration[] BUCKETS = LatencyBuckets.durations();
    /** Values of the {@code upstream} label: a real provider, or the built-in mock. */
    private static final String[] UPSTREAMS = {"provider", "mock"};

    private final ConcurrentHashMap<String, ModelMeters> byModel = new ConcurrentHashMap<>();
    private final Map<RefusalReason, Counter> refusalCounters = new ConcurrentHashMap<>();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final EndUserSeries endUsers;
    private final NearestLimits nearest;
    private final Tags litellmConstant;
    /** Counters of calls by labels, for the rarer paths (refusals, failures). */
    private final ConcurrentHashMap<String, Counter> byLabels = new ConcurrentHashMap<>();

    private final ExecutorService scrapeExecutor =
            Executors.newSingleThreadExecutor(DaemonThreads.named("tollgate-metrics-scrape"));

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
        this(litellm, null, Clock.systemUTC());
    }

    /**
     * @param masterKey the master key (its hash is the {@code hashed_api_key} label), or null
     * @param clock     the wall clock of budget periods
     */
    public ProxyMetrics(LitellmSettings litellm, String masterKey, Clock clock) {
        // Micrometer's CPU time is in nanoseconds and its CPU count ends in _count (a histogram suffix):
        // promtool flags both. ProcessMetrics exports the standard process_cpu_seconds_total instead.
        registry.config()
                .meterFilter(MeterFilter.deny(id ->
                        id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count")));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new ProcessMetrics().bindTo(registry);
        new NettyMemoryMetrics(ByteBufAllocator.DEFAULT).bindTo(registry);
        // Exported from the start (at 0), so dashboards and alerts see them before the first refusal.
        for (RefusalReason reason : RefusalReason.values()) {
            if (reason.refuses()) {
                refusalCounters.put(reason, refusalCounter(reason));
            }
        }
        boolean perCustomer =
                litellm.enableEndUserCostTrackingPrometheusOnly() && !litellm.disableEndUserCostTracking();
        String hashedKey = MasterKeyAuth.tokenOf(masterKey);
        this.litellmConstant =
                Tags.of(END_USER, "", HASHED_API_KEY, hashedKey, API_KEY_ALIAS, "", TEAM, "", TEAM_ALIAS, "", USER, "");
        this.endUsers = new EndUserSeries(registry, perCustomer, litellm.prometheusEndUserCap(), hashedKey);
        this.nearest = perCustomer ? new NearestLimits(registry, litellm.prometheusEndUserCap(), clock) : null;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    ExecutorService scrapeExecutor() {
        return scrapeExecutor;
    }

    /** The Prometheus text; re-ranks the per-customer series first. Call off the event loop. */
    public String scrape() {
        endUsers.refresh();
        if (nearest != null) {
            nearest.refresh();
        }
        return registry.scrape();
    }

    /**
     * Per deployment (the config bounds the series): whether it is cooling down now, and the
     * cooldowns it has had (with Redis, those any instance of the fleet started).
     */
    public void bindCooldowns(Cooldowns cooldowns, List<ModelDeployment> deployments) {
        for (ModelDeployment d : deployments) {
            String id = d.id();
            Gauge.builder(
                            MetricNames.DEPLOYMENT_COOLING_DOWN,
                            cooldowns,
                            c -> c.coolingDown(id, System.currentTimeMillis()) ? 1 : 0)
                    .description("1 while the deployment is skipped after failing more than allowed_fails times"
                            + " within a minute")
                    .tag(MetricNames.MODEL_ID, id)
                    .tag(MetricNames.MODEL, d.modelName())
                    .register(registry);
            FunctionCounter.builder(MetricNames.DEPLOYMENT_COOLDOWNS, cooldowns, c -> c.cooldownsStarted(id))
                    .description("Cooldowns the deployment has had")
                    .tag(MetricNames.MODEL_ID, id)
                    .tag(MetricNames.MODEL, d.modelName())
                    .register(registry);
        }
    }

    /** Gauges and counters over the running server's parts. */
    public void bindRuntime(Runtime rt) {
        new EventLoopMetrics(rt.workers()).bindTo(registry);
        if (rt.store() instanceof RedisLimitStore redis) {
            FunctionCounter.builder(REDIS_ERRORS, redis, RedisLimitStore::redisErrors)
                    .description("Redis script calls that failed (timeouts, connection loss, errors)")
                    .register(registry);
            FunctionCounter.builder(REDIS_SCRIPT_FALLBACKS, redis, RedisLimitStore::scriptFallbacks)
                    .description("Lua scripts re-sent with EVAL after NOSCRIPT")
                    .register(registry);
        } else {
            FunctionCounter.builder(REDIS_ERRORS, this, m -> 0)
                    .description("Redis script calls that failed (no Redis configured)")
                    .register(registry);
            FunctionCounter.builder(REDIS_SCRIPT_FALLBACKS, this, m -> 0)
                    .description("Lua scripts re-sent with EVAL after NOSCRIPT (no Redis configured)")
                    .register(registry);
        }
        String storeErrors = "Limit store calls that failed, by operation";
        counter(LIMIT_STORE_ERRORS, rt.admission(), Admission::storeErrors, OPERATION, "admit", storeErrors);
        counter(LIMIT_STORE_ERRORS, rt.settlement(), Settlement::settleFailures, OPERATION, "settle", storeErrors);
        FunctionCounter.builder(UNATTRIBUTED_REQUESTS, rt.admission(), Admission::unattributedCalls)
                .description("Calls that named no customer, so no budget or limit applied (served, or refused"
                        + " with require_customer_id); not counted with disable_end_user_cost_tracking")
                .register(registry);
        databaseErrors(rt.admission(), Admission::catalogErrors, "catalog");
        databaseErrors(rt.flusher(), SpendFlusher::pendingBatchesFailed, "spend_flush");
        Gauge.builder(SPEND_PENDING_CUSTOMERS, rt.flusher(), SpendFlusher::lastPassDirtyCustomers)
                .description("Customers with spend not yet written to the database, as of the last flush pass")
                .register(registry);
        long startedMs = System.currentTimeMillis();
        Gauge.builder(SPEND_FLUSH_LAG, rt.flusher(), f -> {
                    long last = f.lastSuccessfulFlushMs();
                    return (System.currentTimeMillis() - (last > 0 ? last : startedMs)) / 1000.0;
                })
                .description("Seconds since the last flush pass that met no failure")
                .register(registry);
        Gauge.builder("tollgate_spend_flush_stuck", rt.flusher(), f -> f.stuck(System.currentTimeMillis()) ? 1 : 0)
                .description("1 while the spend flush keeps failing (pending spend piles up in the limit store)")
                .register(registry);
        Gauge.builder("tollgate_spend_quarantined_batches", rt.flusher(), SpendFlusher::unresolvedQuarantinedBatches)
                .description("Spend batches the database refused, kept in tg_spend_quarantine and not resolved yet")
                .register(registry);
        FunctionCounter.builder("tollgate_spend_flushed_batches", rt.flusher(), SpendFlusher::batchesApplied)
                .description("Spend batches (one per customer and flush) written to the database")
                .register(registry);
        FunctionCounter.builder("tollgate_spend_flush_cpu_seconds", rt.flusher(), f -> f.passCpuNanos() / 1e9)
                .description("CPU time of the flusher thread (with the embedded database, its work included)")
                .register(registry);
        Gauge.builder("tollgate_spend_flush_interval_seconds", rt.flusher(), f -> f.nextDelayMillis() / 1000.0)
                .description("Pause before the next flush pass; grows with long passes (a large backlog)")
                .register(registry);
        bindSettleBatches(rt.settlement());
        bindLeases(rt.admission());
        bindWebhooks(rt.webhooks());
    }

    /** Slices of quota ({@code lease_slice_ms}): zero when off. */
    private void bindLeases(Admission admission) {
        String slices = "Slices of customers' quota this instance took from the limit store, and gave back";
        counter(
                "tollgate_lease_slices",
                admission,
                a -> leases(a, LeaseBook::slicesGranted),
                "result",
                "granted",
                slices);
        counter(
                "tollgate_lease_slices",
                admission,
                a -> leases(a, LeaseBook::slicesReturned),
                "result",
                "returned",
                slices);
        String admissions = "Admissions decided locally against a slice, or in the limit store (the fallback)";
        counter(
                "tollgate_lease_admissions",
                admission,
                a -> leases(a, LeaseBook::localAdmissions),
                "where",
                "local",
                admissions);
        counter(
                "tollgate_lease_admissions",
                admission,
                a -> leases(a, LeaseBook::storeAdmissions),
                "where",
                "store",
                admissions);
    }

    private static double leases(Admission a, ToLongFunction<LeaseBook> f) {
        return a.leases() == null ? 0 : f.applyAsLong(a.leases());
    }

    /** Folded settles ({@code settle_batch_ms}): zero when settles are not folded. */
    private void bindSettleBatches(Settlement settlement) {
        FunctionCounter.builder(
                        "tollgate_settle_batches",
                        settlement,
                        s -> s.batches() == null ? 0 : s.batches().batches())
                .description("Folded settles sent to the limit store (one customer's settles of settle_batch_ms)")
                .register(registry);
        FunctionCounter.builder(
                        "tollgate_settle_batched_calls",
                        settlement,
                        s -> s.batches() == null ? 0 : s.batches().settles())
                .description("Calls whose settle went to the limit store inside a folded settle")
                .register(registry);
        Gauge.builder(
                        "tollgate_settle_batch_buffered_usd",
                        settlement,
                        s -> s.batches() == null ? 0 : s.batches().bufferedNanos() / 1e9)
                .description("Spend of calls answered but still folded in memory (what a crash of this instance loses)")
                .register(registry);
    }

    /** Counters of the reconciliation of enforced spend with the ledger plus pending spend. */
    public void bindReconciliation(SpendReconciler r) {
        FunctionCounter.builder("tollgate_reconcile_customers_checked", r, SpendReconciler::customersChecked)
                .description("Customers whose limit store spend was compared with the ledger plus pending spend")
                .register(registry);
        FunctionCounter.builder("tollgate_reconcile_customers_repaired", r, SpendReconciler::customersRepaired)
                .description("Customers whose limit store spend had drifted and was set to the ledger plus pending")
                .register(registry);
        counter(
                "tollgate_reconcile_drift_nanos",
                r,
                SpendReconciler::driftOverNanos,
                "direction",
                "over",
                "Drift repaired, in nano-USD: over = the store held a customer too high, under = too low");
        counter(
                "tollgate_reconcile_drift_nanos",
                r,
                SpendReconciler::driftUnderNanos,
                "direction",
                "under",
                "Drift repaired, in nano-USD: over = the store held a customer too high, under = too low");
        Gauge.builder("tollgate_reconcile_last_pass_drift_nanos", r, SpendReconciler::lastPassDriftNanos)
                .description("Sum of the absolute drifts the last reconciliation pass repaired, in nano-USD")
                .register(registry);
        FunctionCounter.builder("tollgate_reconcile_accounts_recreated", r, SpendReconciler::accountsRecreatedWithSpend)
                .description("Limit store accounts re-created from the ledger for customers with persisted spend"
                        + " (the store lost its data or is new)")
                .register(registry);
        FunctionCounter.builder("tollgate_reconcile_failures", r, SpendReconciler::failures)
                .description("Customers a reconciliation pass could not reach (store or database down)")
                .register(registry);
    }

    private void bindWebhooks(Webhooks webhooks) {
        WebhookStats s = webhooks != null ? webhooks.stats() : new WebhookStats();
        Gauge.builder(WEBHOOK_QUEUE_DEPTH, webhooks, w -> w == null ? 0 : w.queueDepth())
                .description("Webhook events waiting in memory to be written to the outbox")
                .register(registry);
        Gauge.builder(WEBHOOK_OUTBOX_PENDING, s, WebhookStats::outboxPending)
                .description("Webhook events in the outbox not delivered yet")
                .register(registry);
        Gauge.builder(WEBHOOK_ENDPOINT_DISABLED, s, x -> x.endpointDisabled() ? 1 : 0)
                .description("1 after the receiver answered 410 Gone (delivery stopped until restart)")
                .register(registry);
        counter(WEBHOOK_EVENTS, s, WebhookStats::written, RESULT, "written", "Webhook events written to the outbox");
        counter(
                WEBHOOK_EVENTS,
                s,
                WebhookStats::duplicates,
                RESULT,
                "duplicate",
                "Budget events another instance or call had written already");
        String deliveries = "Webhook delivery outcomes";
        counter(WEBHOOK_DELIVERIES, s, WebhookStats::delivered, RESULT, "delivered", deliveries);
        counter(WEBHOOK_DELIVERIES, s, WebhookStats::dead, RESULT, "dead", deliveries);
        counter(WEBHOOK_DELIVERIES, s, WebhookStats::gone, RESULT, "gone", deliveries);
        FunctionCounter.builder(WEBHOOK_RETRIES, s, WebhookStats::retries)
                .description("Failed webhook attempts that were rescheduled")
                .register(registry);
        String dropped = "Webhook events dropped, by reason";
        counter(WEBHOOK_DROPPED, s, WebhookStats::droppedQueueFull, REASON, "queue_full", dropped);
        counter(WEBHOOK_DROPPED, s, WebhookStats::droppedDatabase, REASON, "database", dropped);
        counter(WEBHOOK_DROPPED, s, WebhookStats::droppedClosed, REASON, "shutdown", dropped);
        databaseErrors(s, WebhookStats::outboxErrors, "webhook_outbox");
    }

    private <T> void databaseErrors(T obj, ToDoubleFunction<T> f, String component) {
        counter(DATABASE_ERRORS, obj, f, COMPONENT, component, "Database operations that failed, by component");
    }

    private <T> void counter(String name, T obj, ToDoubleFunction<T> f, String tag, String value, String description) {
        FunctionCounter.builder(name, obj, f)
                .tag(tag, value)
                .description(description)
                .register(registry);
    }

    /** Counts a refused (or degraded) admission by reason. */
    public void refusal(RefusalReason reason) {
        refusalCounters.computeIfAbsent(reason, this::refusalCounter).increment();
    }

    private Counter refusalCounter(RefusalReason reason) {
        return Counter.builder(REFUSALS)
                .description("Calls refused before reaching the upstream, by reason")
                .tag(REASON, reason.label())
                .register(registry);
    }

    @Override
    public void onCall(CallRecord r) {
        ModelMeters m = byModel.computeIfAbsent(r.modelGroup(), ModelMeters::new);
        int s = r.stream() ? 1 : 0;
        m.requests(r.route(), r.status(), r.stream()).increment();
        m.total[s].record(r.totalNanos(), TimeUnit.NANOSECONDS);
        int u = r.mock() ? 1 : 0;
        if (r.upstreamNanos() > 0) {
            m.upstream(u, s).record(r.upstreamNanos(), TimeUnit.NANOSECONDS);
        }
        m.overhead[s].record(Math.max(0, r.totalNanos() - r.upstreamNanos()), TimeUnit.NANOSECONDS);
        if (r.stream() && r.firstByteNanos() > 0) {
            m.ttfb(u).record(r.firstByteNanos(), TimeUnit.NANOSECONDS);
        }
        m.tokensIn.increment(r.usage().promptTokens());
        m.tokensOut.increment(r.usage().completionTokens());
        m.spend.increment((double) r.costNanos() / Money.NANOS_PER_USD);
        if (r.usage().estimated()) {
            m.estimated.increment();
        }
        Timer[] litellm = m.litellmLatency(r.deploymentModel());
        litellm[0].record(r.totalNanos(), TimeUnit.NANOSECONDS);
        if (r.upstreamNanos() > 0) {
            litellm[1].record(r.upstreamNanos(), TimeUnit.NANOSECONDS);
        }
        if (r.status() == 200) {
            m.proxyOk.increment();
        } else {
            String failure = r.outcome() == CallRecord.Outcome.CLIENT_CANCELLED ? "client_cancelled" : "upstream_error";
            proxyRequest(r.modelGroup(), r.status(), failure);
        }
        endUsers.record(r);
        if (nearest != null) {
            nearest.record(r);
        }
    }

    @Override
    public void refusedCall(String model, String route, boolean stream, TollgateException refusal) {
        String m = model == null ? "" : model;
        int status = refusal.status();
        labelled(
                        REQUESTS,
                        "Proxied calls by model, route and status",
                        Tags.of(
                                MODEL,
                                m,
                                ROUTE,
                                route,
                                STATUS,
                                Integer.toString(status),
                                STREAM,
                                Boolean.toString(stream)))
                .increment();
        proxyRequest(m, status, refusal.kind().type());
    }

    /** LiteLLM's client-side counters of a call that did not succeed. */
    private void proxyRequest(String requestedModel, int status, String failureClass) {
        String code = Integer.toString(status);
        labelled(
                        LITELLM_PROXY_TOTAL_REQUESTS,
                        PROXY_TOTAL_HELP,
                        litellmConstant.and(REQUESTED_MODEL, requestedModel, STATUS_CODE, code))
                .increment();
        if (status >= 400) {
            labelled(
                            LITELLM_PROXY_FAILED_REQUESTS,
                            "Calls to the proxy that did not get a success response (LiteLLM's name), by status and"
                                    + " class",
                            litellmConstant.and(
                                    REQUESTED_MODEL,
                                    requestedModel,
                                    EXCEPTION_STATUS,
                                    code,
                                    EXCEPTION_CLASS,
                                    failureClass))
                    .increment();
        }
    }

    private static final String PROXY_TOTAL_HELP =
            "Calls to the proxy (LiteLLM's name), refused ones included, by requested model and status";

    private Counter labelled(String name, String help, Tags tags) {
        StringBuilder key = new StringBuilder(name);
        for (Tag t : tags) {
            key.append('\0').append(t.getValue());
        }
        return byLabels.computeIfAbsent(
                key.toString(),
                k -> Counter.builder(name).description(help).tags(tags).register(registry));
    }

    /**
     * The meters of one model, registered once: looking meters up through Micrometer's builders
     * on every call cost more than recording into them.
     */
    private final class ModelMeters {
        final String model;
        final Timer[] total = new Timer[2];
        /**
         * By upstream (0 = the provider, 1 = the built-in mock), then stream flag. Registered on
         * first use: a model is nearly always answered by one of the two, and an empty histogram
         * costs 38 lines of every scrape. Two loops racing register the same meter.
         */
        private final Timer[][] upstream = new Timer[2][2];

        final Timer[] overhead = new Timer[2];
        /** By upstream (0 = the provider, 1 = the built-in mock); registered on first use. */
        private final Timer[] ttfb = new Timer[2];

        final Counter tokensIn;
        final Counter tokensOut;
        final Counter spend;
        /** Calls whose tokens were counted locally because the upstream reported none: their cost is an estimate. */
        final Counter estimated;

        final Counter proxyOk;
        /** LiteLLM's total and LLM API latency, by deployment model. */
        private final ConcurrentHashMap<String, Timer[]> litellmLatency = new ConcurrentHashMap<>(2);
        /** Keyed by status, stream flag and route. */
        private final ConcurrentHashMap<Long, Counter> requests = new ConcurrentHashMap<>();

        ModelMeters(String model) {
            this.model = model;
            for (int s = 0; s < 2; s++) {
                String stream = Boolean.toString(s == 1);
                total[s] = timer(REQUEST_DURATION, "Total call latency as seen by the proxy", model, stream);
                overhead[s] =
                        timer(PROXY_OVERHEAD, "Proxy overhead: total latency minus upstream latency", model, stream);
            }
            tokensIn = tokens(model, "input");
            tokensOut = tokens(model, "output");
            spend = Counter.builder(SPEND_USD)
                    .description("Spend by model in USD (exact totals live in the database)")
                    .tags(MODEL, model)
                    .register(registry);
            estimated = Counter.builder(ESTIMATED_USAGE_REQUESTS)
                    .description("Calls whose tokens were counted locally (the upstream reported no usage)")
                    .tags(MODEL, model)
                    .register(registry);
            proxyOk = Counter.builder(LITELLM_PROXY_TOTAL_REQUESTS)
                    .description(PROXY_TOTAL_HELP)
                    .tags(litellmConstant.and(REQUESTED_MODEL, model, STATUS_CODE, "200"))
                    .register(registry);
        }

        Timer upstream(int u, int s) {
            Timer t = upstream[u][s];
            if (t == null) {
                t = timer(
                        UPSTREAM_DURATION,
                        "Upstream latency: request sent to response finished (the mock's answer time for mock)",
                        Tags.of(MODEL, model, STREAM, Boolean.toString(s == 1), UPSTREAM, UPSTREAMS[u]));
                upstream[u][s] = t;
            }
            return t;
        }

        Timer ttfb(int u) {
            Timer t = ttfb[u];
            if (t == null) {
                t = timer(
                        TIME_TO_FIRST_BYTE,
                        "Streams: request arrival to the upstream's first byte (the mock's answer for mock)",
                        Tags.of(MODEL, model, STREAM, "true", UPSTREAM, UPSTREAMS[u]));
                ttfb[u] = t;
            }
            return t;
        }

        Timer[] litellmLatency(String deploymentModel) {
            Timer[] t = litellmLatency.get(deploymentModel);
            if (t == null) {
                t = litellmLatency.computeIfAbsent(deploymentModel, d -> {
                    Tags tags = litellmConstant.and(MODEL, d, REQUESTED_MODEL, model);
                    return new Timer[] {
                        Timer.builder(LITELLM_REQUEST_TOTAL_LATENCY)
                                .description("Total latency of a call through the proxy (LiteLLM's name)")
                                .tags(tags)
                                .serviceLevelObjectives(BUCKETS)
                                .register(registry),
                        Timer.builder(LITELLM_LLM_API_LATENCY)
                                .description(
                                        "Latency of the model's API alone (LiteLLM's name); the answer time for mock answers")
                                .tags(tags)
                                .serviceLevelObjectives(BUCKETS)
                                .register(registry)
                    };
                });
            }
            return t;
        }

        Counter requests(String route, int status, boolean stream) {
            long key = ((long) status << 2) | (stream ? 2 : 0) | (route.hashCode() & 1);
            Counter c = requests.get(key);
            if (c == null || !c.getId().getTag("route").equals(route)) {
                c = Counter.builder(REQUESTS)
                        .description("Proxied calls by model, route and status")
                        .tags(
                                MODEL,
                                model,
                                ROUTE,
                                route,
                                STATUS,
                                Integer.toString(status),
                                STREAM,
                                Boolean.toString(stream))
                        .register(registry);
                requests.put(key, c);
            }
            return c;
        }
    }

    private Counter tokens(String model, String direction) {
        return Counter.builder(TOKENS)
                .description("Tokens by model and direction")
                .tags(MODEL, model, DIRECTION, direction)
                .register(registry);
    }

    private Timer timer(String name, String description, String model, String stream) {
        return timer(name, description, Tags.of(MODEL, model, STREAM, stream));
    }

    private Timer timer(String name, String description, Tags tags) {
        return Timer.builder(name)
                .description(description)
                .tags(tags)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    @Override
    public void close() {
        scrapeExecutor.shutdownNow();
    }
}
