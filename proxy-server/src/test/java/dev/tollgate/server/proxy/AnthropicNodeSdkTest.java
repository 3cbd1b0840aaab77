package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.json;
import static dev.tollgate.server.proxy.E2e.spend;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.anthropic.FakeAnthropic;
import dev.tollgate.testing.anthropic.FakeAnthropicOptions;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} npm SDK calling an {@code anthropic/} model through Tollgate, and the
 * official {@code @anthropic-ai/sdk} calling it at {@code /v1/messages} (the upstream is the fake
 * Anthropic): plain calls and streams parse, and the customer is billed exactly at Claude's
 * catalogue price, the same way through either SDK. Needs Node and npm, as
 * {@link NodeSdkTest}.
 */
@Needs(Need.NODE)
class AnthropicNodeSdkTest {
    static {
        LeakGuard.install();
    }

    static FakeAnthropic anthropic;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        anthropic = FakeAnthropic.start(FakeAnthropicOptions.defaults());
        proxy = TestProxy.start(
                """
                model_list:
                  - {model_name: claude, litellm_params: {model: anthropic/claude-sonnet-4-20250514, api_base: "%s"}}
                  - {model_name: gpt-4o, litellm_params: {model: openai/gpt-4o, api_base: "http://127.0.0.1:9/v1"}}
                general_settings: {master_key: %s}
                """.formatted(anthropic.baseUrl(), TestProxy.KEY),
                Files.createTempDirectory("tollgate-anthropic-sdk-"),
                Map.of("ANTHROPIC_API_KEY", "sk-ant-test"));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        anthropic.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void theAnthropicSdkAndTheOpenAiSdkAreMeteredIntoTheSameCustomersSpend() throws Exception {
        NodeSdkTest.ensureSdkInstalled();
        String customer = "sdk-both";
        String viaAnthropic = NodeSdkTest.run(
                List.of("node", "anthropic-sdk-test.mjs", proxy.base(), TestProxy.KEY, "claude", customer), 60);
        JsonNode result = json(viaAnthropic.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(result.get("plainText").asText()).as(viaAnthropic).isEqualTo("Hello word1 word2 word3");
        assertThat(result.at("/plainUsage/input_tokens").asInt()).isEqualTo(25);
        assertThat(result.get("plainStopReason").asText()).isEqualTo("end_turn");
        assertThat(result.get("streamText").asText()).as(viaAnthropic).isEqualTo("Hello word1 word2 word3");
        assertThat(result.at("/streamUsage/output_tokens").asInt()).isEqualTo(12);
        assertThat(result.get("errorStatus").asInt()).as(viaAnthropic).isEqualTo(404);
        assertThat(result.get("errorType").asText()).isEqualTo("NotFoundError");
        // What Anthropic received from the Messages API client: its own request, model replaced.
        JsonNode sent =
                json(anthropic.requests().get(anthropic.requests().size() - 1).body());
        assertThat(sent.get("model").asText()).isEqualTo("claude-sonnet-4-20250514");
        assertThat(sent.get("system").asText()).isEqualTo("Be brief.");
        assertThat(sent.at("/metadata/user_id").asText()).isEqualTo(customer);

        String viaOpenAi = NodeSdkTest.run(
                List.of("node", "sdk-test.mjs", proxy.base() + "/v1", TestProxy.KEY, "claude", customer), 60);
        assertThat(json(viaOpenAi.strip().lines().reduce((a, b) -> b).orElseThrow())
                        .get("plainText")
                        .asText())
                .isEqualTo("Hello word1 word2 word3");

        // Four calls, two through each SDK, each 25 tokens in and 12 out at $3 / $15 per million.
        assertThat(spend(proxy, customer)).isEqualByComparingTo("0.00102");
    }

    @Test
    void theOpenAiSdkCallsAndStreamsAClaudeModelAndTheCustomerIsBilledExactly() throws Exception {
        NodeSdkTest.ensureSdkInstalled();
        String out = NodeSdkTest.run(
                List.of("node", "sdk-test.mjs", proxy.base() + "/v1", TestProxy.KEY, "claude", "sdk-claude"), 60);
        JsonNode result = json(out.strip().lines().reduce((a, b) -> b).orElseThrow());

        assertThat(result.get("plainText").asText()).as(out).isEqualTo("Hello word1 word2 word3");
        assertThat(result.at("/plainUsage/prompt_tokens").asInt()).isEqualTo(25);
        assertThat(result.at("/plainUsage/completion_tokens").asInt()).isEqualTo(12);
        assertThat(result.get("streamText").asText()).as(out).isEqualTo("Hello word1 word2 word3");
        assertThat(result.get("usageChunks").asInt()).as(out).isEqualTo(1);
        assertThat(result.at("/streamUsage/total_tokens").asInt()).isEqualTo(37);
        assertThat(result.get("errorStatus").asInt()).isEqualTo(404);

        // Two calls of 25 tokens in and 12 out at $3 / $15 per million: 2 x 0.000255.
        assertThat(spend(proxy, "sdk-claude")).isEqualByComparingTo("0.00051");
        assertThat(anthropic.requests()).hasSize(2);
        assertThat(json(anthropic.requests().get(1).body())
                        .at("/metadata/user_id")
                        .asText())
                .isEqualTo("sdk-claude");
    }
}
