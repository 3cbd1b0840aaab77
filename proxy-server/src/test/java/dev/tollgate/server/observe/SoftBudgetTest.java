package dev.tollgate.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.webhook.WebhookSigner;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.WebhookReceiver;
import dev.tollgate.testing.services.TestServices;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code soft_budget}: never refuses, flags calls once the period spend has reached it, and sends
 * one signed {@code soft_budget_crossed} webhook per customer and period, also across two instances.
 */
class SoftBudgetTest {
    static {
        LeakGuard.install();
    }

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String HEADER = "x-litellm-soft-budget-exceeded";

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private static String config(String extraGeneral) {
        return """
                model_list:
                  - model_name: priced-mock
                    litellm_params: {model: openai/priced-mock, mock_response: "hello there",
                                     input_cost_per_token: 0, output_cost_per_token: 0.001}
                general_settings:
                  master_key: %s
                  alerting: ["webhook"]
                  alert_types: [budget_alerts]
                  webhook_retry_base_ms: 100
                  default_reserve_tokens: 1
                %s""".formatted(TestProxy.KEY, extraGeneral.indent(2));
    }

    private static HttpResponse<String> call(TestProxy p, String customer) throws Exception {
        HttpResponse<String> r = p.post("/v1/chat/completions", TestProxy.chat("priced-mock", customer, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    private static BigDecimal costOfOneCall(TestProxy p) throws Exception {
        return new BigDecimal(call(p, "probe-" + UUID.randomUUID())
                .headers()
                .firstValue("x-litellm-response-cost")
                .orElseThrow());
    }

    @Test
    void neverRefusesFlagsCallsPastItAndSendsOneSignedWebhook() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver();
                TestProxy proxy = TestProxy.start(
                        config("webhook_secret: " + SECRET),
                        Files.createTempDirectory("tg-soft-"),
                        Map.of("WEBHOOK_URL", receiver.url()))) {
            BigDecimal cost = costOfOneCall(proxy);
            BigDecimal soft = cost.multiply(BigDecimal.valueOf(2));
            HttpResponse<String> created = proxy.post(
                    "/customer/new", "{\"user_id\":\"soft-a\",\"soft_budget\":" + soft.toPlainString() + "}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            assertThat(Json.MAPPER
                            .readTree(created.body())
                            .get("litellm_budget_table")
                            .get("soft_budget")
                            .decimalValue())
                    .isEqualByComparingTo(soft);
            // Calls 1 and 2 start below the soft budget; call 2 reaches it; calls 3..6 start past it.
            for (int i = 1; i <= 6; i++) {
                HttpResponse<String> r = call(proxy, "soft-a");
                if (i <= 2) {
                    assertThat(r.headers().firstValue(HEADER)).as("call " + i).isEmpty();
                } else {
                    assertThat(r.headers().firstValue(HEADER)).as("call " + i).contains("true");
                }
            }
            Observe.await(
                    "soft budget event",
                    () -> receiver.events("soft_budget_crossed").size() >= 1);
            Thread.sleep(300);
            assertThat(receiver.events("soft_budget_crossed")).hasSize(1);
            assertThat(receiver.hits).hasSize(1); // no spend_tracked (alert_types), no budget event (no max_budget)
            WebhookReceiver.Hit hit = receiver.hits.get(0);
            assertThat(hit.body())
                    .contains("\"customer_id\":\"soft-a\"")
                    .contains("\"soft_budget\":" + soft.stripTrailingZeros().toPlainString())
                    .contains("\"spend\":" + soft.stripTrailingZeros().toPlainString() + ",")
                    .contains("\"event\":\"soft_budget_crossed\"")
                    .contains("Soft Budget Crossed");
            assertThat(new WebhookSigner(SECRET)
                            .verify(hit.id(), Long.parseLong(hit.timestamp()), hit.body(), hit.signature()))
                    .isTrue();
            var info = Json.MAPPER.readTree(
                    proxy.get("/customer/info?end_user_id=soft-a").body());
            assertThat(info.get("spend").decimalValue()).isEqualByComparingTo(cost.multiply(BigDecimal.valueOf(6)));
            assertThat(info.get("soft_budget_exceeded").asBoolean()).isTrue();
            assertThat(info.get("litellm_budget_table").get("soft_budget").decimalValue())
                    .isEqualByComparingTo(soft);

            // A customer below its soft budget: no header, info says false.
            proxy.post("/customer/new", "{\"user_id\":\"soft-b\",\"soft_budget\":100}");
            assertThat(call(proxy, "soft-b").headers().firstValue(HEADER)).isEmpty();
            assertThat(Json.MAPPER
                            .readTree(proxy.get("/customer/info?end_user_id=soft-b")
                                    .body())
                            .get("soft_budget_exceeded")
                            .asBoolean())
                    .isFalse();
        }
    }

    /** Two instances on one PostgreSQL database and one Redis: the soft budget event is sent once. */
    @Test
    void twoInstancesSendTheEventOnce() throws Exception {
        String prefix = "tgsoft" + UUID.randomUUID().toString().substring(0, 8) + ":";
        try (Observe.Pg pg = Observe.Pg.create();
                WebhookReceiver receiver = new WebhookReceiver()) {
            String shared = "database_url: \"" + pg.url() + "\"\nredis_url: \""
                    + TestServices.redis().url() + "\"\nredis_key_prefix: \"" + prefix + "\"";
            Map<String, String> env = Map.of("WEBHOOK_URL", receiver.url());
            try (TestProxy a = TestProxy.start(config(shared), Files.createTempDirectory("tg-a-"), env);
                    TestProxy b = TestProxy.start(config(shared), Files.createTempDirectory("tg-b-"), env)) {
                BigDecimal soft = costOfOneCall(a).multiply(BigDecimal.valueOf(3));
                assertThat(a.post(
                                        "/customer/new",
                                        "{\"user_id\":\"soft-fleet\",\"soft_budget\":" + soft.toPlainString() + "}")
                                .statusCode())
                        .isEqualTo(200);
                // Calls 3..8 all end at or past the soft budget, on both instances.
                for (int i = 1; i <= 8; i++) {
                    HttpResponse<String> r = call(i % 2 == 1 ? a : b, "soft-fleet");
                    assertThat(r.headers().firstValue(HEADER).isPresent())
                            .as("call " + i)
                            .isEqualTo(i >= 4);
                }
                var sa = a.server().webhooks().stats();
                var sb = b.server().webhooks().stats();
                Observe.await(
                        "both instances wrote the event",
                        () -> sa.written() + sa.duplicates() >= 1 && sb.written() + sb.duplicates() >= 1);
                Observe.await(
                        "one delivery",
                        () -> receiver.events("soft_budget_crossed").size() >= 1);
                Thread.sleep(500);
                assertThat(receiver.events("soft_budget_crossed")).hasSize(1);
                assertThat(sa.written() + sb.written()).isEqualTo(1);
                assertThat(pg.count("SELECT COUNT(*) FROM tg_webhook_outbox WHERE event_type = 'soft_budget_crossed'"))
                        .isEqualTo(1);
            }
        }
    }
}
