package dev.tollgate.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.WebhookReceiver;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} on a real proxy: values move with traffic, cardinality stays bounded, the dashboard's metrics exist. */
class MetricsEndToEndTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream upstream;
    static WebhookReceiver receiver;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults());
        receiver = new WebhookReceiver();
        proxy = TestProxy.start(
                config(50, true), Files.createTempDirectory("tg-metrics-"), Map.of("WEBHOOK_URL", receiver.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        receiver.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    private static String config(int cap, boolean perCustomer) {
        return """
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: sk-upstream,
                                     input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001}
                  - model_name: mock
                    litellm_params: {model: openai/mock, mock_response: "hello there", input_cost_per_token: 0.000001,
                                     output_cost_per_token: 0.000002}
                litellm_settings:
                  enable_end_user_cost_tracking_prometheus_only: %s
                  prometheus_end_user_cap: %d
                general_settings:
                  master_key: %s
                  alerting: ["webhook"]
                  default_reserve_tokens: 1
                """.formatted(upstream.baseUrl(), perCustomer, cap, TestProxy.KEY);
    }

    private static Scrape scrape(TestProxy p) throws Exception {
        HttpResponse<String> r = p.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        return new Scrape(r.body());
    }

    @Test
    void valuesMoveAsCallsHappen() throws Exception {
        Scrape before = scrape(proxy);
        assertThat(proxy.post("/customer/new", "{\"user_id\":\"m-budget\",\"max_budget\":0.0000001}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "m-a", false))
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "m-a", true))
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("mock", "m-b", false))
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("mock", "m-budget", false))
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> overBudget = proxy.post("/v1/chat/completions", TestProxy.chat("mock", "m-budget", false));
        assertThat(overBudget.statusCode()).as(overBudget.body()).isEqualTo(400);
        HttpResponse<String> badKey = proxy.post(
                "/v1/chat/completions",
                TestProxy.chat("mock", "m-b", false),
                Map.of("Authorization", "Bearer sk-wrong"));
        assertThat(badKey.statusCode()).isEqualTo(401);
        Scrape after = scrape(proxy);

        String[] nonStream = {"model", "gpt-4o", "route", "/chat/completions", "status", "200", "stream", "false"};
        assertThat(after.value("tollgate_requests_total", nonStream)
                        - before.value("tollgate_requests_total", nonStream))
                .isEqualTo(1);
        assertThat(delta(
                        before,
                        after,
                        "tollgate_requests_total",
                        "model",
                        "mock",
                        "route",
                        "/chat/completions",
                        "status",
                        "200",
                        "stream",
                        "false"))
                .isEqualTo(2);
        assertThat(delta(before, after, "tollgate_refusals_total", "reason", "auth"))
                .isEqualTo(1);
        assertThat(delta(before, after, "tollgate_refusals_total", "reason", "budget"))
                .isEqualTo(1);
        assertThat(delta(before, after, "tollgate_refusals_total", "reason", "rpm"))
                .isZero();
        assertThat(delta(before, after, "tollgate_tokens_total", "model", "gpt-4o", "direction", "input"))
                .isPositive();
        assertThat(delta(before, after, "tollgate_tokens_total", "model", "gpt-4o", "direction", "output"))
                .isPositive();
        assertThat(delta(before, after, "tollgate_spend_usd_total", "model", "gpt-4o"))
                .isPositive();
        assertThat(delta(before, after, "tollgate_spend_usd_total", "model", "mock"))
                .isPositive();
        assertThat(delta(before, after, "tollgate_request_duration_seconds_count", "model", "gpt-4o", "stream", "true"))
                .isEqualTo(1);
        assertThat(delta(
                        before,
                        after,
                        "tollgate_upstream_duration_seconds_count",
                        "model",
                        "gpt-4o",
                        "stream",
                        "false",
                        "upstream",
                        "provider"))
                .isEqualTo(1);
        // The mock is recorded as an upstream too, labelled as mock.
        assertThat(delta(
                        before,
                        after,
                        "tollgate_upstream_duration_seconds_count",
                        "model",
                        "mock",
                        "stream",
                        "false",
                        "upstream",
                        "mock"))
                .isEqualTo(2);
        assertThat(delta(
                        before,
                        after,
                        "tollgate_upstream_duration_seconds_count",
                        "model",
                        "mock",
                        "stream",
                        "false",
                        "upstream",
                        "provider"))
                .isZero();
        assertThat(delta(before, after, "tollgate_proxy_overhead_seconds_count", "model", "mock", "stream", "false"))
                .isEqualTo(2);
        assertThat(delta(
                        before,
                        after,
                        "tollgate_stream_time_to_first_byte_seconds_count",
                        "model",
                        "gpt-4o",
                        "stream",
                        "true",
                        "upstream",
                        "provider"))
                .isEqualTo(1);
        // Overhead never exceeds the total.
        assertThat(after.value("tollgate_proxy_overhead_seconds_sum", "model", "gpt-4o", "stream", "false"))
                .isLessThanOrEqualTo(
                        after.value("tollgate_request_duration_seconds_sum", "model", "gpt-4o", "stream", "false"));
        // Refused calls count in tollgate_requests_total with their status (the model only when configured).
        assertThat(delta(
                        before,
                        after,
                        "tollgate_requests_total",
                        "model",
                        "mock",
                        "route",
                        "/chat/completions",
                        "status",
                        "400",
                        "stream",
                        "false"))
                .isEqualTo(1);
        assertThat(delta(
                        before,
                        after,
                        "tollgate_requests_total",
                        "model",
                        "",
                        "route",
                        "/chat/completions",
                        "status",
                        "401",
                        "stream",
                        "false"))
                .isEqualTo(1);
        // LiteLLM's names with LiteLLM's labels; end_user filled (enabled here, cap 3).
        String key = Observe.sha256(TestProxy.KEY);
        String[] litellmLabels = {
            "end_user",
            "m-a",
            "hashed_api_key",
            key,
            "api_key_alias",
            "",
            "team",
            "",
            "team_alias",
            "",
            "user",
            "",
            "model",
            "gpt-4o"
        };
        assertThat(after.value("litellm_spend_metric_total", litellmLabels)).isPositive();
        assertThat(after.value("litellm_requests_metric_total", litellmLabels)).isEqualTo(2);
        String[] tokenLabels = java.util.stream.Stream.concat(
                        java.util.Arrays.stream(litellmLabels), java.util.stream.Stream.of("requested_model", "gpt-4o"))
                .toArray(String[]::new);
        double in = after.value("litellm_input_tokens_metric_total", tokenLabels);
        double out = after.value("litellm_output_tokens_metric_total", tokenLabels);
        assertThat(in).isPositive();
        assertThat(out).isPositive();
        assertThat(after.value("litellm_total_tokens_metric_total", tokenLabels))
                .isEqualTo(in + out);
        assertThat(after.sum("litellm_proxy_total_requests_metric_total", "status_code", "200")
                        - before.sum("litellm_proxy_total_requests_metric_total", "status_code", "200"))
                .isEqualTo(4);
        assertThat(after.sum(
                                "litellm_proxy_total_requests_metric_total",
                                "requested_model",
                                "mock",
                                "status_code",
                                "400")
                        - before.sum(
                                "litellm_proxy_total_requests_metric_total",
                                "requested_model",
                                "mock",
                                "status_code",
                                "400"))
                .isEqualTo(1);
        assertThat(after.sum(
                        "litellm_proxy_failed_requests_metric_total",
                        "requested_model",
                        "mock",
                        "exception_status",
                        "400",
                        "exception_class",
                        "budget_exceeded"))
                .isGreaterThanOrEqualTo(1);
        assertThat(after.sum(
                        "litellm_proxy_failed_requests_metric_total",
                        "exception_status",
                        "401",
                        "exception_class",
                        "auth_error"))
                .isGreaterThanOrEqualTo(1);
        assertThat(after.sum("litellm_request_total_latency_metric_seconds_count", "model", "gpt-4o"))
                .isGreaterThanOrEqualTo(2);
        assertThat(after.sum("litellm_llm_api_latency_metric_seconds_count", "requested_model", "gpt-4o"))
                .isGreaterThanOrEqualTo(2);
        // The customer at its limit shows among those nearest their budget.
        assertThat(after.has("tollgate_end_user_remaining_budget_usd", "end_user", "m-budget"))
                .isTrue();
        assertThat(after.value("tollgate_end_user_remaining_budget_usd", "end_user", "m-budget"))
                .isZero();
        assertThat(after.value("tollgate_end_user_budget_used_ratio", "end_user", "m-budget"))
                .isGreaterThanOrEqualTo(1);
        // Webhook pipeline, JVM and Netty.
        Observe.await(
                "spend_tracked deliveries",
                () -> receiver.events("spend_tracked").size() >= 4);
        // The sender counts a delivery once the receiver's answer is back, a moment after the receiver saw it.
        Observe.await(
                "deliveries counted", () -> proxy.server().webhooks().stats().delivered() >= 4);
        Scrape later = scrape(proxy);
        assertThat(later.value("tollgate_webhook_deliveries_total", "result", "delivered"))
                .isGreaterThanOrEqualTo(4);
        assertThat(later.hasMetric("tollgate_webhook_queue_depth")).isTrue();
        assertThat(later.hasMetric("jvm_memory_used_bytes")).isTrue();
        // The allocator the channels use holds direct memory once calls have gone through.
        assertThat(later.sum("netty_allocator_memory_used_bytes", "memory_type", "direct"))
                .isPositive();
        assertThat(later.hasMetric("process_resident_memory_bytes")).isTrue();
        assertThat(later.value("process_resident_memory_bytes")).isPositive();
        assertThat(later.value("process_open_fds")).isPositive();
        assertThat(later.value("process_cpu_seconds_total")).isPositive();
        assertThat(later.hasMetric("netty_eventexecutor_tasks_pending")).isTrue();
        assertThat(later.hasMetric("tollgate_spend_flush_lag_seconds")).isTrue();
    }

    /** 35 bounds plus +Inf per histogram; gzip when asked; {@code /metrics/} serves the same scrape. */
    @Test
    void scrapeHasFewBucketsIsGzippedOnRequestAndAnswersOnBothPaths() throws Exception {
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "z-a", false))
                        .statusCode())
                .isEqualTo(200);
        Scrape plain = scrape(proxy);
        long buckets = plain.series.keySet().stream()
                .filter(k -> k.startsWith("tollgate_request_duration_seconds_bucket{")
                        && k.contains("model=\"gpt-4o\",")
                        && k.contains("stream=\"false\","))
                .count();
        assertThat(buckets).isEqualTo(36);
        assertThat(plain.has(
                        "tollgate_request_duration_seconds_bucket", "le", "+Inf", "model", "gpt-4o", "stream", "false"))
                .isTrue();
        HttpClient client = HttpClient.newHttpClient();
        for (String path : List.of("/metrics", "/metrics/")) {
            HttpResponse<byte[]> zipped = client.send(
                    HttpRequest.newBuilder(URI.create(proxy.base() + path))
                            .header("Accept-Encoding", "gzip")
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(zipped.statusCode()).isEqualTo(200);
            assertThat(zipped.headers().firstValue("content-encoding")).contains("gzip");
            String text;
            try (var in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Scrape unzipped = new Scrape(text);
            assertThat(unzipped.series.keySet()).containsAll(plain.series.keySet());
            assertThat(zipped.body().length).isLessThan(text.length() / 3);
        }
        HttpResponse<String> slash = proxy.get("/metrics/");
        assertThat(slash.statusCode()).isEqualTo(200);
        assertThat(slash.headers().firstValue("content-encoding")).isEmpty();
        assertThat(new Scrape(slash.body()).hasMetric("tollgate_requests_total"))
                .isTrue();
        HttpResponse<String> refused = client.send(
                HttpRequest.newBuilder(URI.create(proxy.base() + "/metrics"))
                        .header("Accept-Encoding", "gzip;q=0, identity")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.headers().firstValue("content-encoding")).isEmpty();
        assertThat(new Scrape(refused.body()).hasMetric("tollgate_requests_total"))
                .isTrue();
    }

    /** {@code promtool check metrics} finds nothing to warn about on a scrape after varied traffic. */
    @Test
    void promtoolFindsNothingToWarnAbout() throws Exception {
        Path promtool = Promtool.find();
        if (promtool == null) {
            System.out.println("NOTICE: promtool not on PATH (Debian package 'prometheus'); promtool check skipped");
            Assumptions.abort("promtool not on PATH");
        }
        assertThat(proxy.post("/customer/new", "{\"user_id\":\"p-budget\",\"max_budget\":0.0000001}")
                        .statusCode())
                .isEqualTo(200);
        proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "p-a", true));
        proxy.post("/v1/chat/completions", TestProxy.chat("mock", "p-budget", false));
        proxy.post("/v1/chat/completions", TestProxy.chat("mock", "p-budget", false));
        proxy.post("/v1/chat/completions", TestProxy.chat("mock", "p-a", false), Map.of("Authorization", "Bearer x"));
        String text = scrape(proxy).text;
        Promtool.Result r = Promtool.checkMetrics(promtool, text);
        assertThat(r.output()).as("promtool check metrics").isBlank();
        assertThat(r.exitCode()).isZero();
    }

    private static double delta(Scrape before, Scrape after, String name, String... kv) {
        return after.value(name, kv) - before.value(name, kv);
    }

    /** 10,000 distinct customers leave the number of series bounded (cap + __other__). */
    @Test
    void tenThousandCustomersKeepTheSeriesCountBounded() throws Exception {
        try (TestProxy p = TestProxy.start(config(5, true), Files.createTempDirectory("tg-card-"), Map.of())) {
            callDistinctCustomers(p, "warm-", 100);
            Scrape warm = scrape(p);
            callDistinctCustomers(p, "card-", 10_000);
            Scrape after = scrape(p);
            for (String name : List.of(
                    "litellm_spend_metric_total",
                    "litellm_requests_metric_total",
                    "litellm_total_tokens_metric_total")) {
                assertThat(after.count(name)).as(name).isEqualTo(6);
                assertThat(after.sum(name, "end_user", "__other__")).isPositive();
            }
            assertThat(after.countPrefix("tollgate_")).isEqualTo(warm.countPrefix("tollgate_"));
            assertThat(after.countPrefix("litellm_")).isEqualTo(warm.countPrefix("litellm_"));
            assertThat(after.sum("litellm_requests_metric_total", "end_user", "__other__"))
                    .isGreaterThanOrEqualTo(10_100 - 5);
            double perCustomer = after.series.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("litellm_requests_metric_total{"))
                    .mapToDouble(Map.Entry::getValue)
                    .sum();
            assertThat(perCustomer).isEqualTo(10_100);
        }
        // Off by default: no per-customer series at all.
        try (TestProxy p = TestProxy.start(config(5, false), Files.createTempDirectory("tg-card-off-"), Map.of())) {
            callDistinctCustomers(p, "off-", 50);
            Scrape s = scrape(p);
            // Off: LiteLLM's series are still exported, with end_user empty, one per model.
            assertThat(s.count("litellm_spend_metric_total")).isEqualTo(1);
            assertThat(s.sum("litellm_requests_metric_total", "end_user", "", "model", "mock"))
                    .isEqualTo(50);
            assertThat(s.text).doesNotContain("end_user=\"off-").doesNotContain("tollgate_end_user_");
            assertThat(s.value(
                            "tollgate_requests_total",
                            "model",
                            "mock",
                            "route",
                            "/chat/completions",
                            "status",
                            "200",
                            "stream",
                            "false"))
                    .isEqualTo(50);
        }
    }

    private static void callDistinctCustomers(TestProxy p, String prefix, int n) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore window = new Semaphore(16);
        List<CompletableFuture<Integer>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            window.acquire();
            HttpRequest r = HttpRequest.newBuilder(URI.create(p.base() + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TestProxy.KEY)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(TestProxy.chat("mock", prefix + i, false)))
                    .build();
            all.add(client.sendAsync(r, HttpResponse.BodyHandlers.discarding())
                    .thenApply(HttpResponse::statusCode)
                    .whenComplete((s, e) -> window.release()));
        }
        for (CompletableFuture<Integer> f : all) {
            assertThat(f.get()).isEqualTo(200);
        }
    }

    /** Every metric the Grafana dashboard queries exists on /metrics after traffic. */
    @Test
    void everyDashboardMetricExists() throws Exception {
        Path file = Path.of("..", "grafana", "tollgate-dashboard.json");
        JsonNode dashboard = Json.MAPPER.readTree(Files.readString(file));
        Pattern metric = Pattern.compile("\\b((?:tollgate|litellm|jvm|netty|process)_[a-z0-9_]+)\\b");
        TreeSet<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                Matcher m = metric.matcher(target.get("expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(names)
                .contains(
                        "tollgate_spend_usd_total",
                        "litellm_spend_metric_total",
                        "tollgate_refusals_total",
                        "tollgate_proxy_overhead_seconds_bucket",
                        "tollgate_spend_flush_lag_seconds",
                        "tollgate_webhook_retries_total");
        assertThat(proxy.post("/customer/new", "{\"user_id\":\"d-budget\",\"max_budget\":100}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "d-budget", true))
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "d-a", false))
                        .statusCode())
                .isEqualTo(200);
        Scrape s = scrape(proxy);
        for (String name : names) {
            assertThat(s.hasMetric(name))
                    .as("dashboard metric %s on /metrics", name)
                    .isTrue();
        }
    }
}
