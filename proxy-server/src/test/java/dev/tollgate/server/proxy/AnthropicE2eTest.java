package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.assertErrorShape;
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
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An OpenAI client calling an {@code anthropic/} model through Tollgate, against a fake upstream
 * speaking Anthropic's Messages API: answers, streams and tool calls come back in the chat
 * completions format, the customer is billed exactly at the catalogue's Claude prices (cache reads
 * and writes at their own rates), errors come back OpenAI-shaped with the right status, and a
 * stream that breaks is charged for what it produced.
 */
class AnthropicE2eTest {
    static {
        LeakGuard.install();
    }

    // claude-sonnet-4-20250514 in the bundled catalogue, USD per token.
    private static final BigDecimal IN = new BigDecimal("0.000003");
    private static final BigDecimal OUT = new BigDecimal("0.000015");
    private static final BigDecimal CACHE_READ = new BigDecimal("0.0000003");
    private static final BigDecimal CACHE_WRITE = new BigDecimal("0.00000375");

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
                  - model_name: claude
                    litellm_params: {model: anthropic/claude-sonnet-4-20250514, api_base: "%s"}
                  - model_name: claude-failing
                    litellm_params: {model: anthropic/claude-sonnet-4-20250514, api_base: "%s/v1"}
                general_settings: {master_key: %s}
                """.formatted(anthropic.baseUrl(), failing.baseUrl(), TestProxy.KEY),
                Files.createTempDirectory("tollgate-anthropic-"),
                Map.of("ANTHROPIC_API_KEY", "sk-ant-test"));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        anthropic.close();
        failing.close();
        LeakGuard.assertNoLeaks();
    }

    private static String chat(String model, String customer, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"user\":\"" + customer + "\",\"stream\":" + stream + extra
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hello?\"}]}";
    }

    private static BigDecimal cost(long input, long cacheRead, long cacheWrite, long output) {
        return IN.multiply(BigDecimal.valueOf(input))
                .add(CACHE_READ.multiply(BigDecimal.valueOf(cacheRead)))
                .add(CACHE_WRITE.multiply(BigDecimal.valueOf(cacheWrite)))
                .add(OUT.multiply(BigDecimal.valueOf(output)));
    }

    @Test
    void anAnswerIsAChatCompletionAndIsBilledWithCacheTokensAtTheirOwnRates() throws Exception {
        anthropic.options().usage(10, 3000, 200, 40);
        try {
            String customer = "ant-json";
            HttpResponse<String> r = proxy.post("/v1/chat/completions", chat("claude", customer, false, ""));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = json(r.body());
            assertThat(body.get("object").asText()).isEqualTo("chat.completion");
            assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Hello word1 word2 word3");
            assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(3210);
            assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asLong())
                    .isEqualTo(3000);
            BigDecimal expected = cost(10, 3000, 200, 40);
            assertThat(expected).isEqualByComparingTo("0.00228");
            assertThat(new BigDecimal(
                            r.headers().firstValue("x-litellm-response-cost").orElseThrow()))
                    .isEqualByComparingTo(expected);
            assertThat(spend(proxy, customer)).isEqualByComparingTo(expected);

            FakeAnthropic.Recorded sent = anthropic.lastRequest();
            assertThat(sent.path()).isEqualTo("/v1/messages");
            assertThat(sent.header("x-api-key")).isEqualTo("sk-ant-test");
            assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
            assertThat(sent.header("authorization")).isNull();
            JsonNode up = json(sent.body());
            assertThat(up.get("model").asText()).isEqualTo("claude-sonnet-4-20250514");
            assertThat(up.get("system").asText()).isEqualTo("Be brief.");
            assertThat(up.get("max_tokens").asInt())
                    .as("the model's output limit")
                    .isEqualTo(64000);
            assertThat(up.at("/metadata/user_id").asText()).isEqualTo(customer);
        } finally {
            anthropic.options().usage(25, 0, 0, 12);
        }
    }

    @Test
    void aStreamEndsWithTheUsageChunkAndIsBilledExactly() throws Exception {
        String customer = "ant-stream";
        HttpResponse<String> r = proxy.post(
                "/v1/chat/completions",
                chat("claude", customer, true, ",\"stream_options\":{\"include_usage\":true},\"max_tokens\":100"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> events = events(r.body());
        assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]\n\n");
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(0, events.size() - 2)) {
            text.append(json(e.substring(6)).at("/choices/0/delta/content").asText(""));
        }
        assertThat(text.toString()).isEqualTo("Hello word1 word2 word3");
        JsonNode usage = json(events.get(events.size() - 2).substring(6)).get("usage");
        assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(25);
        assertThat(usage.get("completion_tokens").asLong()).isEqualTo(12);
        assertThat(spend(proxy, customer)).isEqualByComparingTo(cost(25, 0, 0, 12));
        assertThat(json(anthropic.lastRequest().body()).get("max_tokens").asInt())
                .isEqualTo(100);
    }

    @Test
    void aToolCallAndItsResultMakeARoundTrip() throws Exception {
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}}}],"
                + "\"tool_choice\":\"auto\"";
        HttpResponse<String> first = proxy.post("/v1/chat/completions", chat("claude", "ant-tools", false, tools));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode message = json(first.body()).at("/choices/0/message");
        assertThat(json(first.body()).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = message.get("tool_calls").get(0);
        assertThat(call.at("/function/name").asText()).isEqualTo("weather");
        assertThat(json(call.at("/function/arguments").asText()).get("location").asText())
                .isEqualTo("Paris");

        // The assistant turn with its tool call, then the tool's result: the fake checks the ids match.
        String second = "{\"model\":\"claude\",\"user\":\"ant-tools\"" + tools + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + call.get("id").asText() + "\",\"content\":\"18C\"}]}";
        HttpResponse<String> r = proxy.post("/v1/chat/completions", second);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r.body()).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        JsonNode sent = json(anthropic.lastRequest().body());
        assertThat(sent.at("/messages/1/content/0/type").asText()).isEqualTo("tool_use");
        assertThat(sent.at("/messages/2/content/0/tool_use_id").asText())
                .isEqualTo(call.get("id").asText());
        assertThat(sent.at("/tool_choice/type").asText()).isEqualTo("auto");
    }

    @ParameterizedTest(name = "Anthropic {0} {1} -> {2}")
    @CsvSource({
        "529, overloaded_error, 503",
        "429, rate_limit_error, 429",
        "400, invalid_request_error, 400",
        "401, authentication_error, 401",
        "500, api_error, 502",
    })
    void errorAnswersAreOpenAiShapedWithTheRightStatus(int status, String type, int expected) throws Exception {
        failing.options().failure(Failure.HTTP_ERROR).error(status, type);
        try {
            for (boolean stream : new boolean[] {false, true}) {
                String customer = "ant-err-" + status + "-" + stream;
                HttpResponse<String> r =
                        proxy.post("/v1/chat/completions", chat("claude-failing", customer, stream, ""));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
                JsonNode error = assertErrorShape(r.body());
                assertThat(error.get("message").asText()).isEqualTo("Anthropic " + type + ": Simulated " + type);
                if (expected == 429 || expected == 503) {
                    assertThat(r.headers().firstValue("retry-after")).contains("7");
                }
                assertThat(proxy.get("/customer/info?end_user_id=" + customer).statusCode())
                        .as("nothing was charged: the customer was never recorded")
                        .isEqualTo(404);
            }
        } finally {
            failing.options().failure(Failure.NONE);
        }
        assertThat(failing.lastRequest().path()).as("api_base with /v1").isEqualTo("/v1/messages");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"CUT_MID_STREAM, Upstream stream failed", "ERROR_MID_STREAM, Anthropic overloaded_error: Overloaded"})
    void aStreamThatBreaksEndsWithAnErrorEventAndIsChargedForWhatItProduced(Failure failure, String message)
            throws Exception {
        failing.options().failure(failure).failAfterPieces(2).error(529, "overloaded_error");
        try {
            String customer = "ant-broken-" + failure;
            String body;
            try (RawHttp c = RawHttp.connect(proxy.server().port())) {
                c.send(RawHttp.post(
                        "/v1/chat/completions",
                        chat("claude-failing", customer, true, ""),
                        RawHttp.bearer(TestProxy.KEY)));
                assertThat(c.readHead().status()).isEqualTo(200);
                body = new String(c.readChunksUntilClose(), StandardCharsets.UTF_8);
            }
            List<String> events = events(body);
            assertThat(body).doesNotContain("[DONE]").contains("Hello").contains(" word1");
            JsonNode last = json(events.get(events.size() - 1).substring(6));
            assertThat(last.at("/error/message").asText()).contains(message);
            // The prompt as reported (25 tokens), plus the output relayed so far, counted locally.
            BigDecimal charged = spend(proxy, customer);
            assertThat(charged).isGreaterThan(cost(25, 0, 0, 0)).isLessThan(cost(25, 0, 0, 12));
        } finally {
            failing.options().failure(Failure.NONE);
        }
    }

    @Test
    void embeddingsAndUntranslatableRequestsAre400() throws Exception {
        HttpResponse<String> r =
                proxy.post("/v1/embeddings", "{\"model\":\"claude\",\"user\":\"ant-emb\",\"input\":\"hello\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(assertErrorShape(r.body()).get("message").asText()).contains("no embeddings endpoint");
        HttpResponse<String> n = proxy.post("/v1/chat/completions", chat("claude", "ant-n", false, ",\"n\":3"));
        assertThat(n.statusCode()).as(n.body()).isEqualTo(400);
        assertThat(assertErrorShape(n.body()).get("param").asText()).isEqualTo("n");
        assertThat(proxy.get("/customer/info?end_user_id=ant-emb").statusCode()).isEqualTo(404);
    }
}
