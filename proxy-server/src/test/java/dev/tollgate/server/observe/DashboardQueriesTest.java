package dev.tollgate.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.WebhookReceiver;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard: its shape (data source input, instance and customer variables, every
 * query scoped to the instance), and, when the {@code prometheus} binary is installed, every
 * panel's query run by a real Prometheus that scrapes a proxy under scripted traffic.
 */
class DashboardQueriesTest {
    static {
        LeakGuard.install();
    }

    private static final Path FILE = Path.of("..", "grafana", "tollgate-dashboard.json");
    private static final Pattern METRIC =
            Pattern.compile("\\b((?:tollgate|litellm|jvm|netty|process)_[a-z0-9_]+)(\\{[^}]*})?");

    private static JsonNode dashboard() throws Exception {
        return Json.MAPPER.readTree(Files.readString(FILE));
    }

    /** Every panel's queries, by "panel title / refId". */
    private static Map<String, String> queries() throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        for (JsonNode panel : dashboard().get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                all.put(
                        panel.get("title").asText() + " / "
                                + target.get("refId").asText(),
                        target.get("expr").asText());
            }
        }
        return all;
    }

    @Test
    void importAsksForTheDataSourceAndEveryQueryHonoursTheVariables() throws Exception {
        JsonNode d = dashboard();
        JsonNode input = d.get("__inputs").get(0);
        assertThat(input.get("name").asText()).isEqualTo("DS_PROMETHEUS");
        assertThat(input.get("type").asText()).isEqualTo("datasource");
        assertThat(input.get("pluginId").asText()).isEqualTo("prometheus");
        List<String> variables = new ArrayList<>();
        d.get("templating").get("list").forEach(v -> variables.add(v.get("name").asText()));
        assertThat(variables).containsExactly("instance", "customer");
        for (JsonNode panel : d.get("panels")) {
            assertThat(panel.get("datasource").get("uid").asText())
                    .as(panel.get("title").asText())
                    .isEqualTo("${DS_PROMETHEUS}");
        }
        queries().forEach((name, expr) -> {
            Matcher m = METRIC.matcher(expr);
            int selectors = 0;
            while (m.find()) {
                selectors++;
                assertThat(m.group(2)).as(name).contains("instance=~\"$instance\"");
                if (m.group(1).startsWith("tollgate_end_user_") || m.group(1).startsWith("litellm_spend")) {
                    assertThat(m.group(2)).as(name).contains("end_user=~\"$customer\"");
                }
            }
            assertThat(selectors).as(name).isPositive();
        });
    }

    /** Prometheus scrapes {@code /metrics/} of a proxy under traffic; every panel's query returns data. */
    @Test
    void everyPanelQueryReturnsDataFromARealPrometheus() throws Exception {
        Path prometheus = onPath("prometheus");
        if (prometheus == null) {
            System.out.println("NOTICE: prometheus not on PATH (Debian package 'prometheus'); dashboard queries"
                    + " not run against a live scrape");
            Assumptions.abort("prometheus not on PATH");
        }
        Map<String, String> queries = queries();
        Path dir = Files.createTempDirectory("tg-dash-");
        try (FakeUpstream upstream = FakeUpstream.start(FakeUpstreamOptions.defaults());
                WebhookReceiver receiver = new WebhookReceiver();
                TestProxy proxy = TestProxy.start(
                        config(upstream.baseUrl()), dir.resolve("proxy"), Map.of("WEBHOOK_URL", receiver.url()))) {
            assertThat(proxy.post("/customer/new", "{\"user_id\":\"dash-budget\",\"max_budget\":0.0000001}")
                            .statusCode())
                    .isEqualTo(200);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            URI proxyUri = URI.create(proxy.base());
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global: {scrape_interval: 1s}
                    scrape_configs:
                      - job_name: tollgate
                        metrics_path: /metrics/
                        static_configs: [{targets: ["%s:%d"]}]
                    """.formatted(proxyUri.getHost(), proxyUri.getPort()));
            Process p = new ProcessBuilder(
                            prometheus.toString(),
                            "--config.file=" + config,
                            "--storage.tsdb.path=" + dir.resolve("tsdb"),
                            "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                Map<String, String> empty = new LinkedHashMap<>(queries);
                for (int round = 0; round < 60 && !empty.isEmpty(); round++) {
                    traffic(proxy);
                    Thread.sleep(500);
                    empty.entrySet().removeIf(e -> hasData(client, port, e.getValue()));
                }
                assertThat(empty)
                        .as("panel queries with no data (log: %s)", dir.resolve("prometheus.log"))
                        .isEmpty();
                // The variables' queries: instances, and customers by end_user.
                assertThat(labelValues(client, port, "instance", "tollgate_refusals_total"))
                        .contains(proxyUri.getHost() + ":" + proxyUri.getPort());
                assertThat(labelValues(client, port, "end_user", "litellm_spend_metric_total"))
                        .contains("dash-a", "dash-budget");
            } finally {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        LeakGuard.assertNoLeaks();
    }

    private static String config(String upstream) {
        return """
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: sk-upstream,
                                     input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001}
                  - model_name: mock
                    litellm_params: {model: openai/mock, mock_response: "hello there", input_cost_per_token: 0.000001,
                                     output_cost_per_token: 0.000002}
                litellm_settings:
                  enable_end_user_cost_tracking_prometheus_only: true
                general_settings:
                  master_key: %s
                  alerting: ["webhook"]
                  default_reserve_tokens: 1
                """.formatted(upstream, TestProxy.KEY);
    }

    /** Streams and plain calls to a provider and the mock, a budget refusal and a bad key. */
    private static void traffic(TestProxy proxy) throws Exception {
        proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "dash-a", true));
        proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "dash-a", false));
        proxy.post("/v1/chat/completions", TestProxy.chat("mock", "dash-b", true));
        proxy.post("/v1/chat/completions", TestProxy.chat("mock", "dash-budget", false));
        proxy.post(
                "/v1/chat/completions", TestProxy.chat("mock", "dash-b", false), Map.of("Authorization", "Bearer x"));
    }

    private static boolean hasData(HttpClient client, int port, String expr) {
        String q = expr.replace("$__rate_interval", "10s")
                .replace("$instance", ".*")
                .replace("$customer", ".*");
        try {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                                    + URLEncoder.encode(q, StandardCharsets.UTF_8)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return false;
            }
            JsonNode body = Json.MAPPER.readTree(r.body());
            return "success".equals(body.path("status").asText())
                    && !body.path("data").path("result").isEmpty();
        } catch (Exception e) {
            return false; // Prometheus still starting
        }
    }

    private static List<String> labelValues(HttpClient client, int port, String label, String metric) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/label/" + label
                                + "/values?match[]=" + URLEncoder.encode(metric, StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> values = new ArrayList<>();
        Json.MAPPER.readTree(r.body()).path("data").forEach(v -> values.add(v.asText()));
        return values;
    }

    static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
