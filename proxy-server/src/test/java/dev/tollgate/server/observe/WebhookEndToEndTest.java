package dev.tollgate.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.webhook.WebhookSigner;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.WebhookReceiver;
import dev.tollgate.testing.services.TestServices;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Webhooks through real proxies: a fake upstream, a real local receiver, H2 or PostgreSQL + Redis. */
class WebhookEndToEndTest {
    static {
        LeakGuard.install();
    }

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static FakeUpstream upstream;

    @BeforeAll
    static void startUpstream() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    private static String config(String extraGeneral) {
        return """
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: sk-upstream,
                                     input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001}
                  - model_name: priced-mock
                    litellm_params: {model: openai/priced-mock, mock_response: "hello there",
                                     input_cost_per_token: 0, output_cost_per_token: 0.001}
                general_settings:
                  master_key: %s
                  alerting: ["webhook"]
                  webhook_retry_base_ms: 100
                  default_reserve_tokens: 1
                %s""".formatted(upstream.baseUrl(), TestProxy.KEY, extraGeneral.indent(2));
    }

    private static String expectedSpendTracked(String customer, String cost, String maxBudget) throws Exception {
        return "{\"spend\":" + cost + ",\"max_budget\":" + maxBudget + ",\"token\":\"" + Observe.sha256(TestProxy.KEY)
                + "\","
                + "\"customer_id\":\"" + customer
                + "\",\"user_id\":null,\"team_id\":null,\"user_email\":null,\"key_alias\":null,"
                + "\"projected_exceeded_date\":null,\"projected_spend\":null,\"event\":\"spend_tracked\",\"event_group\":\"customer\","
                + "\"event_message\":\"Customer spend tracked. Customer=" + customer + ", spend=" + cost + "\"}";
    }

    @Test
    void spendTrackedPayloadsForStreamingAndNonStreamingCallsAreSignedAndExact() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver();
                TestProxy proxy = TestProxy.start(
                        config("webhook_secret: " + SECRET),
                        Files.createTempDirectory("tg-wh-"),
                        Map.of("WEBHOOK_URL", receiver.url()))) {
            HttpResponse<String> created = proxy.post("/customer/new", "{\"user_id\":\"cust-wh\",\"max_budget\":5}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            List<String[]> calls = new ArrayList<>(); // {call id, cost from the reported usage and the list prices}
            for (boolean stream : new boolean[] {false, true}) {
                String body = "{\"model\":\"gpt-4o\",\"user\":\"cust-wh\",\"stream\":" + stream
                        + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"what time is it\"}]}";
                HttpResponse<String> r = proxy.post("/v1/chat/completions", body);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                String json = stream ? usageChunk(r.body()) : r.body();
                var usage = Json.MAPPER.readTree(json).get("usage");
                String cost = new BigDecimal("0.0000025")
                        .multiply(BigDecimal.valueOf(usage.get("prompt_tokens").asLong()))
                        .add(new BigDecimal("0.00001")
                                .multiply(BigDecimal.valueOf(
                                        usage.get("completion_tokens").asLong())))
                        .stripTrailingZeros()
                        .toPlainString();
                if (!stream) {
                    assertThat(r.headers().firstValue("x-litellm-response-cost"))
                            .contains(cost);
                }
                calls.add(new String[] {
                    r.headers().firstValue("x-litellm-call-id").orElseThrow(), cost
                });
            }
            HttpResponse<String> anonymous = proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", null, false));
            assertThat(anonymous.statusCode()).isEqualTo(200);
            Observe.await("two deliveries", () -> receiver.hits.size() >= 2);
            Thread.sleep(300);
            assertThat(receiver.hits).hasSize(2); // the call without a customer sends nothing
            WebhookSigner verifier = new WebhookSigner(SECRET);
            for (String[] call : calls) {
                String id = "evt_" + call[0].replace("-", "");
                WebhookReceiver.Hit hit = receiver.hits.stream()
                        .filter(h -> id.equals(h.id()))
                        .findFirst()
                        .orElseThrow();
                assertThat(new BigDecimal(call[1])).isPositive();
                assertThat(hit.body()).isEqualTo(expectedSpendTracked("cust-wh", call[1], "5.0"));
                assertThat(verifier.verify(hit.id(), Long.parseLong(hit.timestamp()), hit.body(), hit.signature()))
                        .isTrue();
                assertThat(new WebhookSigner("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                                .verify(hit.id(), Long.parseLong(hit.timestamp()), hit.body(), hit.signature()))
                        .isFalse();
            }
        }
    }

    /** The data of the stream's chunk that carries usage. */
    private static String usageChunk(String sse) {
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {") && line.contains("\"usage\":{")) {
                return line.substring(6);
            }
        }
        throw new AssertionError("no usage chunk in " + sse);
    }

    @Test
    void alertTypesCanTurnSpendTrackedOffAndBudgetAlertsStillFire() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver();
                TestProxy proxy = TestProxy.start(
                        config("alert_types: [budget_alerts]\nwebhook_thresholds: [0.5]"),
                        Files.createTempDirectory("tg-wh-"),
                        Map.of("WEBHOOK_URL", receiver.url()))) {
            HttpResponse<String> probe =
                    proxy.post("/v1/chat/completions", TestProxy.chat("priced-mock", "probe", false));
            BigDecimal cost = new BigDecimal(
                    probe.headers().firstValue("x-litellm-response-cost").orElseThrow());
            BigDecimal max = cost.multiply(BigDecimal.valueOf(4));
            proxy.post("/customer/new", "{\"user_id\":\"cust-half\",\"max_budget\":" + max.toPlainString() + "}");
            for (int i = 0; i < 3; i++) {
                assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("priced-mock", "cust-half", false))
                                .statusCode())
                        .isEqualTo(200);
            }
            Observe.await(
                    "threshold event",
                    () -> receiver.events("threshold_crossed").size() == 1);
            Thread.sleep(300);
            assertThat(receiver.events("spend_tracked")).isEmpty();
            assertThat(receiver.hits).hasSize(1);
            assertThat(receiver.hits.get(0).body())
                    .contains("\"customer_id\":\"cust-half\"")
                    .contains("\"event_message\":\"Customer Budget: 50% Threshold Crossed\"")
                    .contains("\"spend\":"
                            + cost.multiply(BigDecimal.valueOf(2))
                                    .stripTrailingZeros()
                                    .toPlainString() + ",");
            // The fourth call reaches the budget: budget_crossed once, then calls are refused.
            assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("priced-mock", "cust-half", false))
                            .statusCode())
                    .isEqualTo(200);
            Observe.await(
                    "budget event", () -> receiver.events("budget_crossed").size() == 1);
            assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("priced-mock", "cust-half", false))
                            .statusCode())
                    .isEqualTo(400);
        }
    }

    @Test
    void aDeadReceiverNeverFailsACallAndItsTroubleIsCounted() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver();
                TestProxy proxy = TestProxy.start(
                        config("webhook_timeout: 0.2"),
                        Files.createTempDirectory("tg-wh-"),
                        Map.of("WEBHOOK_URL", receiver.url()))) {
            receiver.delayMs = 2_000; // slower than the 0.2 s webhook timeout: every attempt times out
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r =
                        proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "cust-dead", i % 2 == 0));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
            Observe.await("retries", () -> proxy.server().webhooks().stats().retries() >= 5);
            String metrics = proxy.get("/metrics").body();
            assertThat(metrics).containsPattern("(?m)^tollgate_webhook_retries_total [1-9]");
            assertThat(metrics).contains("tollgate_webhook_deliveries_total{result=\"delivered\"} 0.0");
        }
    }

    /** Two instances on one PostgreSQL database and one Redis: the threshold event is sent once. */
    @Test
    void twoInstancesCrossingOneThresholdSendOneEvent() throws Exception {
        String prefix = "tgobs" + UUID.randomUUID().toString().substring(0, 8) + ":";
        try (Observe.Pg pg = Observe.Pg.create();
                WebhookReceiver receiver = new WebhookReceiver()) {
            String shared = "database_url: \"" + pg.url() + "\"\nredis_url: \""
                    + TestServices.redis().url() + "\"\nredis_key_prefix: \"" + prefix
                    + "\"\nwebhook_thresholds: [0.85]\nalert_types: [budget_alerts]";
            Map<String, String> env = Map.of("WEBHOOK_URL", receiver.url());
            try (TestProxy a = TestProxy.start(config(shared), Files.createTempDirectory("tg-a-"), env);
                    TestProxy b = TestProxy.start(config(shared), Files.createTempDirectory("tg-b-"), env)) {
                HttpResponse<String> probe =
                        a.post("/v1/chat/completions", TestProxy.chat("priced-mock", "probe", false));
                BigDecimal cost = new BigDecimal(
                        probe.headers().firstValue("x-litellm-response-cost").orElseThrow());
                BigDecimal max = cost.multiply(BigDecimal.valueOf(20));
                assertThat(a.post(
                                        "/customer/new",
                                        "{\"user_id\":\"cust-fleet\",\"max_budget\":" + max.toPlainString() + "}")
                                .statusCode())
                        .isEqualTo(200);
                // 18 calls alternating A, B: 85 % is reached at call 17; calls 17 (A) and 18 (B) both see it.
                for (int i = 1; i <= 18; i++) {
                    TestProxy p = i % 2 == 1 ? a : b;
                    HttpResponse<String> r =
                            p.post("/v1/chat/completions", TestProxy.chat("priced-mock", "cust-fleet", false));
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
                var sa = a.server().webhooks().stats();
                var sb = b.server().webhooks().stats();
                Observe.await(
                        "both instances wrote the event",
                        () -> sa.written() + sa.duplicates() >= 1 && sb.written() + sb.duplicates() >= 1);
                Observe.await(
                        "one delivery",
                        () -> receiver.events("threshold_crossed").size() >= 1);
                Thread.sleep(500);
                assertThat(receiver.events("threshold_crossed")).hasSize(1);
                assertThat(receiver.hits).hasSize(1);
                assertThat(sa.written() + sb.written()).isEqualTo(1);
                assertThat(sa.duplicates() + sb.duplicates()).isEqualTo(1);
                assertThat(pg.count("SELECT COUNT(*) FROM tg_webhook_outbox WHERE event_type = 'threshold_crossed'"))
                        .isEqualTo(1);
                assertThat(pg.count("SELECT COUNT(*) FROM tg_webhook_outbox WHERE status = 'delivered'"))
                        .isEqualTo(1);
            }
        }
    }
}
