package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.events;
import static dev.tollgate.server.proxy.E2e.json;
import static dev.tollgate.server.proxy.E2e.spend;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.anthropic.FakeAnthropic;
import dev.tollgate.testing.anthropic.FakeAnthropicOptions;
import dev.tollgate.testing.anthropic.FakeAnthropicOptions.Failure;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/messages}: a Messages API call relayed as it is to an {@code anthropic/}
 * deployment (only the model replaced), with the proxy key in {@code x-api-key} as Anthropic's
 * SDKs send it, the customer from {@code metadata.user_id}, and the same budget and billing as a
 * chat completion; Anthropic's errors reach the client as Anthropic sent them, a broken stream
 * ends with an Anthropic error event, and a model that is not Anthropic's is refused before any
 * reservation.
 */
class AnthropicMessagesRouteTest {
    static {
        LeakGuard.install();
    }

    static FakeAnthropic anthropic;
    static FakeAnthropic failing;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        anthropic = FakeAnthropic.start(FakeAnthropicOptions.defaults());
        failing = FakeAnthropic.start(FakeAnthropicOptions.defaults());
        proxy = TestProxy.start(
                """
                model_list:
                  - {model_name: claude, litellm_params: {model: anthropic/claude-sonnet-4-20250514, api_base: "%s"}}
                  - {model_name: claude-failing, litellm_params: {model: anthropic/claude-sonnet-4-20250514, api_base: "%s"}}
                  - {model_name: gpt-4o, litellm_params: {model: openai/gpt-4o, api_base: "http://127.0.0.1:9/v1", api_key: k}}
                general_settings: {master_key: %s}
                """.formatted(anthropic.baseUrl(), failing.baseUrl(), TestProxy.KEY),
                Files.createTempDirectory("tollgate-messages-"),
                Map.of("ANTHROPIC_API_KEY", "sk-ant-test"));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        anthropic.close();
        failing.close();
        LeakGuard.assertNoLeaks();
    }

    private static String messages(String model, String customer, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":64,\"stream\":" + stream
                + ",\"metadata\":{\"user_id\":\"" + customer + "\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello?\"}]}";
    }

    private static HttpResponse<String> post(String body) throws Exception {
        // Anthropic's SDKs send the key as x-api-key; TestProxy also sends it as a bearer token (the same key).
        // The cut-stream case below sends x-api-key alone.
        return proxy.post("/v1/messages", body, Map.of("x-api-key", TestProxy.KEY, "anthropic-version", "2023-06-01"));
    }

    @Test
    void aMessagesCallIsRelayedAsItIsAndBilledToTheCustomerInItsMetadata() throws Exception {
        anthropic.options().usage(10, 3000, 200, 40);
        try {
            HttpResponse<String> r = post(messages("claude", "msg-cust", false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = json(r.body());
            assertThat(body.get("type").asText()).isEqualTo("message");
            assertThat(body.at("/content/0/text").asText()).isEqualTo("Hello word1 word2 word3");
            assertThat(body.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(3000);
            // 10 in at $3, 3000 cache reads at $0.30, 200 cache writes at $3.75, 40 out at $15 per million.
            assertThat(spend(proxy, "msg-cust")).isEqualByComparingTo("0.00228");
            JsonNode sent = json(anthropic.lastRequest().body());
            assertThat(sent.get("model").asText()).isEqualTo("claude-sonnet-4-20250514");
            assertThat(sent.get("max_tokens").asInt()).isEqualTo(64);
            assertThat(anthropic.lastRequest().header("x-api-key")).isEqualTo("sk-ant-test");
        } finally {
            anthropic.options().usage(25, 0, 0, 12);
        }
    }

    @Test
    void aStreamIsRelayedEventByEventAndBilledFromItsUsageEvents() throws Exception {
        HttpResponse<String> r = post(messages("claude", "msg-stream", true));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> events = events(r.body());
        assertThat(events.get(0)).startsWith("event: message_start\ndata: ");
        assertThat(events.get(events.size() - 1))
                .isEqualTo("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        assertThat(r.body()).doesNotContain("[DONE]").doesNotContain("chat.completion");
        assertThat(spend(proxy, "msg-stream")).isEqualByComparingTo("0.000255");
    }

    @Test
    void anthropicsErrorsReachTheClientAsAnthropicSentThem() throws Exception {
        failing.options().failure(Failure.HTTP_ERROR).error(529, "overloaded_error");
        try {
            HttpResponse<String> r = post(messages("claude-failing", "msg-err", false));
            assertThat(r.statusCode()).isEqualTo(529);
            assertThat(json(r.body()).get("type").asText()).isEqualTo("error");
            assertThat(json(r.body()).at("/error/type").asText()).isEqualTo("overloaded_error");
        } finally {
            failing.options().failure(Failure.NONE);
        }
    }

    @Test
    void aStreamCutMidWayEndsWithAnAnthropicErrorEventAndIsChargedForWhatItProduced() throws Exception {
        failing.options().failure(Failure.CUT_MID_STREAM).failAfterPieces(2);
        try {
            String body;
            try (RawHttp c = RawHttp.connect(proxy.server().port())) {
                c.send(RawHttp.post(
                        "/v1/messages", messages("claude-failing", "msg-cut", true), "x-api-key: " + TestProxy.KEY));
                assertThat(c.readHead().status()).isEqualTo(200);
                body = new String(c.readChunksUntilClose(), StandardCharsets.UTF_8);
            }
            List<String> events = events(body);
            String last = events.get(events.size() - 1);
            assertThat(last).startsWith("event: error\ndata: ");
            assertThat(json(last.substring(last.indexOf("data: ") + 6))
                            .at("/error/type")
                            .asText())
                    .isEqualTo("api_error");
            assertThat(body).contains("\"text\":\"Hello\"").doesNotContain("message_stop");
            // The 25 prompt tokens Anthropic reported, at $3 per million, plus some output counted locally.
            assertThat(spend(proxy, "msg-cut")).isGreaterThan(new java.math.BigDecimal("0.000075"));
        } finally {
            failing.options().failure(Failure.NONE);
        }
    }

    @Test
    void aModelThatIsNotAnthropicsIsRefusedBeforeAnyReservationInAnthropicsErrorShape() throws Exception {
        HttpResponse<String> r = post(messages("gpt-4o", "msg-openai", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode body = json(r.body());
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(body.at("/error/message").asText()).contains("not an anthropic/ deployment");
        assertThat(proxy.get("/customer/info?end_user_id=msg-openai").statusCode())
                .isEqualTo(404);
    }

    @Test
    void budgetAndKeyRefusalsTakeAnthropicsErrorShapeToo() throws Exception {
        HttpResponse<String> created = proxy.post("/customer/new", "{\"user_id\":\"msg-broke\",\"max_budget\":0}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        HttpResponse<String> r = post(messages("claude", "msg-broke", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(r.body()).at("/error/message").asText()).startsWith("ExceededBudget: End User=msg-broke");
        assertThat(r.headers().firstValue("x-should-retry")).contains("false");

        try (RawHttp c = RawHttp.connect(proxy.server().port())) {
            c.send(RawHttp.post("/v1/messages", messages("claude", "msg-nokey", false), "x-api-key: wrong"));
            RawHttp.Response refused = c.read();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(json(refused.text()).at("/error/type").asText()).isEqualTo("authentication_error");
        }
    }
}
