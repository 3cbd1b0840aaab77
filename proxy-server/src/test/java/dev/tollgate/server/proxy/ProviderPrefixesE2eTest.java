package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.events;
import static dev.tollgate.server.proxy.E2e.json;
import static dev.tollgate.server.proxy.E2e.spend;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.anthropic.FakeAnthropic;
import dev.tollgate.testing.anthropic.FakeAnthropicOptions;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import dev.tollgate.testing.upstream.RecordedRequest;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A LiteLLM-style config with {@code groq/}, {@code gemini/} and {@code anthropic/} deployments starts, and calls to
 * them are billed to the customer at the catalogue's prices: exactly from the reported usage, or,
 * when a stream reports none, from a local count that is marked estimated.
 */
class ProviderPrefixesE2eTest {
    static {
        LeakGuard.install();
    }

    private static final BigDecimal GROQ_IN = new BigDecimal("0.00000059");
    private static final BigDecimal GROQ_OUT = new BigDecimal("0.00000079");

    static FakeUpstream groq;
    static FakeUpstream geminiWithoutStreamUsage;
    static FakeAnthropic anthropic;
    static String yaml;
    static Map<String, String> env;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        groq = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        geminiWithoutStreamUsage = FakeUpstream.start(
                FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.STREAM_WITHOUT_USAGE));
        anthropic = FakeAnthropic.start(FakeAnthropicOptions.defaults());
        yaml = Files.readString(Path.of(ProviderPrefixesE2eTest.class
                .getResource("/litellm-configs/providers_config.yaml")
                .toURI()));
        env = Map.of(
                "GROQ_API_KEY",
                "gsk-test",
                "GROQ_API_BASE",
                groq.baseUrl(),
                "GEMINI_API_KEY",
                "gemini-test",
                "GEMINI_API_BASE",
                geminiWithoutStreamUsage.baseUrl(),
                "ANTHROPIC_API_KEY",
                "sk-ant-test",
                "ANTHROPIC_API_BASE",
                anthropic.baseUrl(),
                "LITELLM_MASTER_KEY",
                TestProxy.KEY);
        proxy = TestProxy.start(yaml, Files.createTempDirectory("tollgate-providers-"), env);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        groq.close();
        geminiWithoutStreamUsage.close();
        anthropic.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void theDefaultEndpointsAndKeysOfTheFixtureAreResolved() {
        Map<String, String> bases = new HashMap<>();
        Map<String, String> keys = new HashMap<>();
        ConfigLoader.parse(yaml, env, "providers_config.yaml").models().forEach(m -> {
            bases.put(m.modelName(), m.apiBase());
            keys.put(m.modelName(), String.valueOf(m.apiKey()));
        });
        assertThat(bases)
                .containsEntry("llama-3.1-8b", "https://api.groq.com/openai/v1")
                .containsEntry("gemini-2.5-flash", "https://generativelanguage.googleapis.com/v1beta/openai")
                .containsEntry("claude-haiku", "https://api.anthropic.com");
        assertThat(keys)
                .containsEntry("llama-3.1-8b", "gsk-test")
                .containsEntry("gemini-flash", "gemini-test")
                .containsEntry("gemini-2.5-flash", "gemini-test")
                .containsEntry("claude-sonnet", "sk-ant-test");
    }

    @Test
    void aGroqCallIsBilledExactlyAtGroqsPrice() throws Exception {
        String customer = "groq-cust";
        HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("llama-3.3-70b", customer, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode usage = json(r.body()).get("usage");
        BigDecimal expected = GROQ_IN.multiply(
                        BigDecimal.valueOf(usage.get("prompt_tokens").asLong()))
                .add(GROQ_OUT.multiply(
                        BigDecimal.valueOf(usage.get("completion_tokens").asLong())));
        assertThat(expected).isPositive();
        assertThat(new BigDecimal(
                        r.headers().firstValue("x-litellm-response-cost").orElseThrow()))
                .isEqualByComparingTo(expected);
        assertThat(spend(proxy, customer)).isEqualByComparingTo(expected);

        RecordedRequest sent = groq.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer gsk-test");
        assertThat(json(sent.body()).get("model").asText()).isEqualTo("llama-3.3-70b-versatile");
    }

    @Test
    void aGroqStreamIsBilledFromItsUsageChunk() throws Exception {
        String customer = "groq-stream-cust";
        String body = "{\"model\":\"llama-3.3-70b\",\"user\":\"" + customer + "\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"count to three\"}]}";
        HttpResponse<String> r = proxy.post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> events = events(r.body());
        String usageEvent = events.get(events.size() - 2);
        JsonNode usage = json(usageEvent.substring("data: ".length()).trim()).get("usage");
        BigDecimal expected = GROQ_IN.multiply(
                        BigDecimal.valueOf(usage.get("prompt_tokens").asLong()))
                .add(GROQ_OUT.multiply(
                        BigDecimal.valueOf(usage.get("completion_tokens").asLong())));
        assertThat(spend(proxy, customer)).isPositive().isEqualByComparingTo(expected);
    }

    @Test
    void aStreamWithoutUsageIsCountedLocallyAndMarkedEstimated() throws Exception {
        String customer = "gemini-estimated-cust";
        double before = estimatedCalls("gemini-flash");
        HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("gemini-flash", customer, true));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"usage\":{");
        // Charged from a local count at gemini-2.0-flash's prices, never zero.
        assertThat(spend(proxy, customer)).isPositive();
        assertThat(estimatedCalls("gemini-flash")).isEqualTo(before + 1);
        assertThat(geminiWithoutStreamUsage.lastRequest().header("authorization"))
                .isEqualTo("Bearer gemini-test");
    }

    @Test
    void theAnthropicDeploymentOfTheFixtureIsServedAndBilled() throws Exception {
        String customer = "fixture-claude-cust";
        HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("claude-sonnet", customer, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // The fake's default usage: 25 in, 12 out, at claude-sonnet-4's $3 / $15 per million tokens.
        assertThat(spend(proxy, customer)).isEqualByComparingTo("0.000255");
        assertThat(anthropic.lastRequest().header("x-api-key")).isEqualTo("sk-ant-test");
    }

    private static double estimatedCalls(String model) throws Exception {
        String prefix = "tollgate_estimated_usage_requests_total{model=\"" + model + "\"} ";
        return proxy.get("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst()
                .orElse(0);
    }
}
