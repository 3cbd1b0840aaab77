package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.cost;
import static dev.tollgate.server.proxy.E2e.events;
import static dev.tollgate.server.proxy.E2e.json;
import static dev.tollgate.server.proxy.E2e.normalizeIds;
import static dev.tollgate.server.proxy.E2e.spend;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import dev.tollgate.testing.upstream.RecordedRequest;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client receives is what the upstream sent: non-streaming bodies byte for byte, SSE
 * events byte for byte and in order (only the usage chunk the proxy itself asked for is dropped);
 * what the upstream receives is the client's body with only {@code model} rewritten (plus
 * {@code stream_options} for streams) and the deployment's credentials; spend is exact.
 */
class RelayFidelityTest {
    static {
        LeakGuard.install();
    }

    private static final int PROMPT_TOKENS = 7;
    private static final int COMPLETION_TOKENS = 5;
    private static final HttpClient DIRECT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static FakeUpstream upstream;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults()
                .ioThreads(1)
                .promptTokens(PROMPT_TOKENS)
                .chunkCount(COMPLETION_TOKENS));
        proxy = TestProxy.start(
                """
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o-2024-08-06, api_base: "%s", api_key: sk-upstream-1}
                    model_info: %s
                  - model_name: azure-gpt
                    litellm_params: {model: azure/my-deploy, api_base: "http://127.0.0.1:%d", api_key: az-key-1, api_version: "2024-06-01"}
                    model_info: %s
                general_settings: {master_key: %s}
                """.formatted(upstream.baseUrl(), E2e.PRICES, upstream.port(), E2e.PRICES, TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    @BeforeEach
    void resetUpstream() {
        upstream.reset();
    }

    /** Sends {@code body} straight to the fake: what the upstream answers to exactly that request. */
    private static String direct(RecordedRequest rec) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + rec.uri()))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(rec.body()))
                .build();
        HttpResponse<String> res = DIRECT.send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    @Test
    void nonStreamingBodyIsTheUpstreamBodyByteForByte() throws Exception {
        HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "relay-json", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");

        RecordedRequest rec = upstream.lastRequest();
        String fromUpstream = direct(rec);
        // id and created differ per call; everything else, including field order and spacing, must not.
        assertThat(r.body())
                .matches("\\{\"id\":\"chatcmpl-fake-\\d+\",\"object\":\"chat.completion\",\"created\":\\d+,.*");
        assertThat(normalizeIds(r.body())).isEqualTo(normalizeIds(fromUpstream));
        assertThat(json(r.body()).at("/choices/0/message/content").asText()).isEqualTo(E2e.fakeText(COMPLETION_TOKENS));

        assertThat(r.headers().firstValue("x-litellm-response-cost"))
                .hasValue(cost(PROMPT_TOKENS, COMPLETION_TOKENS).toPlainString());
        assertThat(spend(proxy, "relay-json")).isEqualByComparingTo(cost(PROMPT_TOKENS, COMPLETION_TOKENS));
    }

    @Test
    void upstreamGetsTheClientBodyWithOnlyModelRewrittenAndItsOwnKey() throws Exception {
        String body = """
                {"model":"gpt-4o","user":"relay-fields","messages":[{"role":"user","content":"hi"}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],
                 "response_format":{"type":"json_object"},"temperature":0.25,"logprobs":false,"seed":42,
                 "x_future_field":{"nested":[1,2.5,"three",null,true]}}""";
        HttpResponse<String> r = proxy.post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        RecordedRequest rec = upstream.lastRequest();
        assertThat(rec.method()).isEqualTo("POST");
        assertThat(rec.path()).isEqualTo("/v1/chat/completions");
        assertThat(rec.header("authorization")).isEqualTo("Bearer sk-upstream-1");
        assertThat(rec.header("api-key")).isNull();
        ObjectNode sent = (ObjectNode) json(rec.body());
        assertThat(sent.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        ObjectNode expected = (ObjectNode) json(body);
        expected.put("model", "gpt-4o-2024-08-06");
        assertThat(sent).isEqualTo(expected);
        assertThat(fieldNames(sent)).containsExactlyElementsOf(fieldNames(expected));
    }

    /**
     * A 400 KB prompt (about 100,000 tokens) goes upstream as sent, call after call on one
     * connection, though it now travels as slices of the buffers it was received in: with
     * {@code messages} first and {@code model} last (the OpenAI Python SDK's order), only the
     * model member differs. Any buffer the proxy forgot to release fails the class (LeakGuard).
     */
    @Test
    void aLargePromptGoesUpstreamByteForByteCallAfterCall() throws Exception {
        String prompt = "The toll gate opens at dawn and closes at dusk. ".repeat(8_400);
        for (boolean stream : new boolean[] {false, true, false}) {
            upstream.reset();
            // Members joined without spaces, as the splice joins them; spacing inside a member is kept as sent.
            String body = "{\"messages\": [{\"role\": \"system\", \"content\": \"Answer from the context.\"},"
                    + " {\"role\": \"user\", \"content\": \"" + prompt + "\"}],"
                    + "\"max_tokens\": 16,\"stream\": " + stream + ",\"stream_options\": {\"include_usage\": true},"
                    + "\"user\": \"relay-large\",\"model\": \"gpt-4o\"}";
            assertThat(body.length()).isGreaterThan(400_000);
            HttpResponse<String> r = proxy.post("/v1/chat/completions", body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String sent = upstream.lastRequest().body();
            String expected = body.replace("\"model\": \"gpt-4o\"}", "\"model\":\"gpt-4o-2024-08-06\"}");
            assertThat(sent.length()).isEqualTo(expected.length());
            assertThat(sent.equals(expected))
                    .as("upstream body equals the client's with model rewritten")
                    .isTrue();
        }
    }

    @Test
    void streamWithoutIncludeUsageIsRelayedByteForByteMinusTheInjectedUsageChunk() throws Exception {
        HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "relay-stream", true));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");

        RecordedRequest rec = upstream.lastRequest();
        JsonNode sent = json(rec.body());
        assertThat(sent.at("/stream_options/include_usage").asBoolean())
                .as(rec.body())
                .isTrue();
        assertThat(sent.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(rec.header("authorization")).isEqualTo("Bearer sk-upstream-1");

        List<String> upstreamEvents = events(direct(rec));
        List<String> withoutUsage = new ArrayList<>();
        for (String e : upstreamEvents) {
            if (!e.contains("\"choices\":[]")) {
                withoutUsage.add(normalizeIds(e));
            }
        }
        assertThat(withoutUsage).hasSize(upstreamEvents.size() - 1);

        List<String> got = events(r.body());
        assertThat(got.stream().map(E2e::normalizeIds).toList()).containsExactlyElementsOf(withoutUsage);
        assertThat(got).hasSize(1 + COMPLETION_TOKENS + 1 + 1);
        assertThat(r.body())
                .endsWith("data: [DONE]\n\n")
                .doesNotContain("\"choices\":[]")
                .doesNotContain("prompt_tokens");
        assertThat(spend(proxy, "relay-stream")).isEqualByComparingTo(cost(PROMPT_TOKENS, COMPLETION_TOKENS));
    }

    @Test
    void streamWithIncludeUsageGetsExactlyOneUsageChunkBeforeDone() throws Exception {
        String body =
                "{\"model\":\"gpt-4o\",\"user\":\"relay-usage\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"what time is it\"}]}";
        HttpResponse<String> r = proxy.post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        RecordedRequest rec = upstream.lastRequest();
        List<String> upstreamEvents =
                events(direct(rec)).stream().map(E2e::normalizeIds).toList();
        List<String> got = events(r.body());
        assertThat(got.stream().map(E2e::normalizeIds).toList()).containsExactlyElementsOf(upstreamEvents);

        List<String> usageChunks =
                got.stream().filter(e -> e.contains("\"choices\":[]")).toList();
        assertThat(usageChunks).hasSize(1);
        assertThat(got.get(got.size() - 2)).isEqualTo(usageChunks.get(0));
        assertThat(got.get(got.size() - 1)).isEqualTo("data: [DONE]\n\n");
        JsonNode usage =
                json(usageChunks.get(0).substring("data: ".length()).trim()).get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(PROMPT_TOKENS);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(COMPLETION_TOKENS);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(PROMPT_TOKENS + COMPLETION_TOKENS);
        assertThat(spend(proxy, "relay-usage")).isEqualByComparingTo(cost(PROMPT_TOKENS, COMPLETION_TOKENS));
    }

    @Test
    void azureDeploymentUsesDeploymentPathApiVersionAndApiKeyHeader() throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            upstream.reset();
            HttpResponse<String> r =
                    proxy.post("/chat/completions", TestProxy.chat("azure-gpt", "relay-azure", stream), Map.of());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            RecordedRequest rec = upstream.lastRequest();
            assertThat(rec.path()).isEqualTo("/openai/deployments/my-deploy/chat/completions");
            assertThat(rec.uri()).isEqualTo("/openai/deployments/my-deploy/chat/completions?api-version=2024-06-01");
            assertThat(rec.azureDeployment()).isEqualTo("my-deploy");
            assertThat(rec.apiVersion()).isEqualTo("2024-06-01");
            assertThat(rec.header("api-key")).isEqualTo("az-key-1");
            assertThat(rec.header("authorization")).isNull();
            assertThat(json(rec.body()).get("model").asText()).isEqualTo("my-deploy");
            if (stream) {
                assertThat(r.body()).endsWith("data: [DONE]\n\n").contains(E2e.fakeText(1));
            } else {
                assertThat(normalizeIds(r.body())).isEqualTo(normalizeIds(direct(rec)));
            }
        }
        assertThat(spend(proxy, "relay-azure"))
                .isEqualByComparingTo(cost(PROMPT_TOKENS, COMPLETION_TOKENS).multiply(BigDecimal.valueOf(2)));
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
