package dev.tollgate.server.metrics;

import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.core.usage.CallRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Proxy metrics, no per-customer labels (cardinality): calls, latency, tokens, spend, refusals.
 * Names use the {@code tollgate_} prefix; meters are looked up per call from Micrometer's cache.
 */
public final class ProxyMetrics implements CallListener {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public ProxyMetrics() {
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Counts a refused (or degraded) admission by reason: budget, rpm, tpm, blocked, auth, store_unavailable. */
    public void refusal(String reason) {
        Counter.builder("tollgate_refusals").description("Calls refused before reaching the upstream, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    @Override
    public void onCall(CallRecord r) {
        String status = Integer.toString(r.status());
        Counter.builder("tollgate_requests").description("Proxied calls by model, route and status")
                .tags("model", r.modelGroup(), "route", r.route(), "status", status, "stream", Boolean.toString(r.stream()))
                .register(registry).increment();
        Timer.builder("tollgate_request_duration").description("Total call latency as seen by the proxy")
                .tags("model", r.modelGroup(), "stream", Boolean.toString(r.stream()))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry).record(r.totalNanos(), TimeUnit.NANOSECONDS);
        Counter.builder("tollgate_tokens").description("Tokens by model and direction")
                .tags("model", r.modelGroup(), "direction", "input").register(registry).increment(r.usage().promptTokens());
        Counter.builder("tollgate_tokens").description("Tokens by model and direction")
                .tags("model", r.modelGroup(), "direction", "output").register(registry).increment(r.usage().completionTokens());
        DistributionSummary.builder("tollgate_spend_usd").description("Spend by model in USD (exact totals live in the database)")
                .tags("model", r.modelGroup()).register(registry).record((double) r.costNanos() / Money.NANOS_PER_USD);
    }
}
