package dev.tollgate.server.ui;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.overview.OverviewRepository;
import dev.tollgate.admin.overview.SpendOverview;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.money.Money;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import dev.tollgate.server.metrics.MetricNames;
import dev.tollgate.server.proxy.ProxyBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * {@code GET /tollgate/overview} (master key): what the admin page's Overview tab shows, read-only.
 * Spend today / this month, spend per day and the top customers come from the database (as of the
 * last spend flush); refusals since start from the metrics registry; health of the database, the
 * limit store (Redis) and the spend flush is probed on each call. A failing dependency is reported
 * in {@code health}, never as a failed response: the page must show what is down.
 */
public final class OverviewRoute implements Route {
    private static final long PROBE_TIMEOUT_MS = 2_000;
    /** A key no customer can have (customer ids never contain a NUL); reading it changes nothing. */
    private static final String PROBE_ID = "\u0000tollgate-health-probe";

    /** Where the overview's parts come from. */
    public record Sources(
            OverviewRepository repository,
            JdbcExecutor jdbc,
            String databaseKind,
            LimitStore store,
            String storeKind,
            LongSupplier lastFlushMs,
            LongSupplier failedFlushBatches,
            Duration flushInterval,
            MeterRegistry registry,
            Clock clock,
            String version,
            ProxyBudget proxyBudget) {}

    private final MasterKeyAuth auth;
    private final Sources src;
    private final long startedMs;

    public OverviewRoute(MasterKeyAuth auth, Sources sources) {
        this.auth = auth;
        this.src = sources;
        this.startedMs = sources.clock().millis();
    }

    @Override
    public void handle(FullHttpRequest request, Exchange exchange) {
        auth.check(request.headers());
        var loop = exchange.channel().eventLoop();
        long dbStart = System.nanoTime();
        CompletableFuture<SpendOverview> db =
                src.jdbc().submit(src.repository()::readCached).orTimeout(PROBE_TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
        CompletableFuture<Long> dbDone = db.handle((v, e) -> System.nanoTime() - dbStart);
        long storeStart = System.nanoTime();
        CompletableFuture<Long> store = src.store()
                .pendingNanos(PROBE_ID)
                .toCompletableFuture()
                .orTimeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        CompletableFuture<Long> storeDone = store.handle((v, e) -> System.nanoTime() - storeStart);
        CompletableFuture<AccountSnapshot> budget = src.proxyBudget() == null
                ? CompletableFuture.completedFuture(null)
                : src.proxyBudget().snapshot().toCompletableFuture().orTimeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        CompletableFuture<Void> budgetDone = budget.handle((v, e) -> null);
        CompletableFuture.allOf(dbDone, storeDone, budgetDone)
                .whenComplete((ignored, err) -> loop.execute(() -> {
                    ObjectNode body = render(db, dbDone.join(), store, storeDone.join());
                    body.set("proxy_budget", proxyBudget(budget));
                    DefaultHttpHeaders h = new DefaultHttpHeaders();
                    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                    exchange.json(200, Json.bytes(body), h);
                }));
    }

    private ObjectNode render(
            CompletableFuture<SpendOverview> db, long dbNanos, CompletableFuture<Long> store, long storeNanos) {
        long now = src.clock().millis();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("generated_at", Instant.ofEpochMilli(now).toString());
        o.put("version", src.version());
        SpendOverview s = db.isCompletedExceptionally() ? null : db.join();
        if (s == null) {
            o.putNull("spend");
            o.putNull("daily");
            o.putNull("top_customers");
            o.putNull("counts");
        } else {
            ObjectNode spend = o.putObject("spend");
            spend.put("today_date", s.today());
            spend.put("month_start", s.monthStart());
            spend.set("today", totals(s.todayTotals()));
            spend.set("month", totals(s.monthTotals()));
            ArrayNode daily = o.putArray("daily");
            for (SpendOverview.Day d : s.daily()) {
                daily.addObject()
                        .put("date", d.date())
                        .put("spend", usd(d.spendNanos()))
                        .put("requests", d.requests());
            }
            ArrayNode top = o.putArray("top_customers");
            for (SpendOverview.TopCustomer t : s.topCustomers()) {
                top.addObject()
                        .put("user_id", t.userId())
                        .put("alias", t.alias())
                        .put("budget_id", t.budgetId())
                        .put("blocked", t.blocked())
                        .put("spend", usd(t.spendNanos()))
                        .put("requests", t.requests());
            }
            o.putObject("counts")
                    .put("customers", s.customers())
                    .put("blocked_customers", s.blockedCustomers())
                    .put("budgets", s.budgets());
        }
        o.set("refusals", refusals());
        o.set("deployments", deployments());

        ObjectNode health = o.putObject("health");
        ObjectNode dbh = health.putObject("database");
        dbh.put("kind", src.databaseKind());
        dbh.put("ok", s != null);
        dbh.put("latency_ms", dbNanos / 1_000_000);
        dbh.put("error", s == null ? problem(db) : null);
        ObjectNode sh = health.putObject("redis");
        sh.put("kind", src.storeKind());
        sh.put("ok", !store.isCompletedExceptionally());
        sh.put("latency_ms", storeNanos / 1_000_000);
        sh.put("error", store.isCompletedExceptionally() ? problem(store) : null);
        health.set("spend_flush", flush(now));
        return o;
    }

    private ObjectNode flush(long now) {
        long last = src.lastFlushMs().getAsLong();
        long interval = src.flushInterval().toMillis();
        // Healthy while passes keep succeeding: the last success is at most a few intervals old
        // (before the first pass, the proxy has not been up for that long yet).
        long slack = 3 * interval + 5_000;
        boolean ok = last > 0 ? now - last <= slack : now - startedMs <= slack;
        ObjectNode f = Json.MAPPER.createObjectNode();
        f.put("ok", ok);
        if (last > 0) {
            f.put("last_success_at", Instant.ofEpochMilli(last).toString());
            f.put("age_seconds", Math.max(0, (now - last) / 1000));
        } else {
            f.putNull("last_success_at");
            f.putNull("age_seconds");
        }
        f.put("interval_seconds", src.flushInterval().toSeconds());
        f.put("failed_batches", src.failedFlushBatches().getAsLong());
        return f;
    }

    /**
     * The proxy-wide budget ({@code litellm_settings.max_budget}) and its spend in the current
     * period; null when none is configured or the store did not answer.
     */
    private ObjectNode proxyBudget(CompletableFuture<AccountSnapshot> snapshot) {
        if (src.proxyBudget() == null || snapshot.isCompletedExceptionally()) {
            return null;
        }
        AccountSnapshot s = snapshot.join();
        long now = src.clock().millis();
        // A period that ended is reset at the next call: it counts as nothing spent.
        boolean current = s.present() && (s.periodEndMs() == 0 || s.periodEndMs() > now);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("max_budget", usd(src.proxyBudget().maxBudgetNanos()));
        o.put("spend", usd(current ? s.spentNanos() : 0));
        o.put("in_flight", usd(s.present() ? s.reservedNanos() : 0));
        if (current && s.periodEndMs() > 0) {
            o.put("resets_at", Instant.ofEpochMilli(s.periodEndMs()).toString());
        } else {
            o.putNull("resets_at");
        }
        return o;
    }

    /**
     * Each deployment with its cooldown state, read from the metrics the router keeps (with Redis,
     * cooldowns any instance started are included).
     */
    private ArrayNode deployments() {
        Map<String, ObjectNode> byId = new TreeMap<>();
        for (Gauge g : src.registry().find(MetricNames.DEPLOYMENT_COOLING_DOWN).gauges()) {
            String id = g.getId().getTag(MetricNames.MODEL_ID);
            ObjectNode d = byId.computeIfAbsent(id, k -> Json.MAPPER.createObjectNode());
            d.put("model_id", id);
            d.put("model", g.getId().getTag(MetricNames.MODEL));
            d.put("cooling_down", g.value() > 0);
        }
        for (FunctionCounter c :
                src.registry().find(MetricNames.DEPLOYMENT_COOLDOWNS).functionCounters()) {
            ObjectNode d = byId.get(c.getId().getTag(MetricNames.MODEL_ID));
            if (d != null) {
                d.put("cooldowns", (long) c.count());
            }
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        byId.values().forEach(out::add);
        return out;
    }

    private ObjectNode refusals() {
        Map<String, Long> byReason = new TreeMap<>();
        for (Counter c : src.registry().find(MetricNames.REFUSALS).counters()) {
            String reason = c.getId().getTag(MetricNames.REASON);
            byReason.merge(reason == null ? "other" : reason, (long) c.count(), Long::sum);
        }
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("since", Instant.ofEpochMilli(startedMs).toString());
        r.put("total", byReason.values().stream().mapToLong(Long::longValue).sum());
        ObjectNode by = r.putObject("by_reason");
        byReason.forEach(by::put);
        return r;
    }

    private static ObjectNode totals(SpendOverview.Totals t) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("spend", usd(t.spendNanos()));
        o.put("requests", t.requests());
        o.put("failed_requests", t.failedRequests());
        o.put("prompt_tokens", t.promptTokens());
        o.put("completion_tokens", t.completionTokens());
        return o;
    }

    private static BigDecimal usd(long nanos) {
        return Money.nanosToUsd(nanos);
    }

    /** A short, credential-free description of why a probe failed. */
    private static String problem(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (Exception e) {
            Throwable t = e.getCause() != null ? e.getCause() : e;
            if (t instanceof TimeoutException) {
                return "no answer within the probe timeout";
            }
            String msg = t.getMessage();
            return t.getClass().getSimpleName() + (msg == null ? "" : ": " + firstLine(msg));
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
