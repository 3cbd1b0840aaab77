package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.json;
import static dev.tollgate.server.proxy.E2e.spend;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.io.File;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} npm SDK (v6) as a real client: a plain call, a stream with
 * {@code stream_options.include_usage}, and an unknown model, all with {@code user} set and no
 * retries. The SDK must parse everything the proxy sends, and the customer's spend must show it.
 * Needs Node and npm (skipped without them, a failure under
 * {@code -Dtollgate.tests.requireServices=true}); installs the SDK from {@code package-lock.json}
 * when {@code node_modules} is missing, and fails when that is impossible.
 */
@Needs(Need.NODE)
class NodeSdkTest {
    static {
        LeakGuard.install();
    }

    static final Path NODE_DIR = Path.of("src", "test", "node");
    private static final int PROMPT = 9;
    private static final int COMPLETION = 6;

    static FakeUpstream upstream;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(
                FakeUpstreamOptions.defaults().ioThreads(1).promptTokens(PROMPT).chunkCount(COMPLETION));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: gpt-4o-mini, litellm_params: {model: openai/gpt-4o-mini, api_base: "%s", api_key: k}, model_info: %s}
                general_settings: {master_key: %s}
                """.formatted(upstream.baseUrl(), E2e.PRICES, TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    static String run(List<String> command, long timeoutSeconds) throws Exception {
        File log = Files.createTempFile("tollgate-node-", ".log").toFile();
        try {
            Process p = new ProcessBuilder(command)
                    .directory(NODE_DIR.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log)
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s:\n"
                        + Files.readString(log.toPath()));
            }
            String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(command + " exited with " + p.exitValue() + ":\n" + out);
            }
            return out;
        } finally {
            log.delete();
        }
    }

    static void ensureSdkInstalled() throws Exception {
        assertThat(NODE_DIR.resolve("sdk-test.mjs"))
                .as("run from the proxy-server module directory")
                .exists();
        if (Files.isDirectory(NODE_DIR.resolve("node_modules/openai"))
                && Files.isDirectory(NODE_DIR.resolve("node_modules/@anthropic-ai/sdk"))) {
            return;
        }
        try {
            run(List.of("npm", "install", "--no-audit", "--no-fund"), 180); // what package-lock.json pins
        } catch (Exception | AssertionError e) {
            throw new AssertionError(
                    "Cannot install the openai and @anthropic-ai/sdk npm SDKs (is npm and its registry reachable?). "
                            + "Run `npm install` in proxy-server/src/test/node. Cause: " + e.getMessage(),
                    e);
        }
        assertThat(NODE_DIR.resolve("node_modules/openai")).isDirectory();
        assertThat(NODE_DIR.resolve("node_modules/@anthropic-ai/sdk")).isDirectory();
    }

    @Test
    void officialNodeSdkCallsStreamsAndIsCharged() throws Exception {
        ensureSdkInstalled();
        String out = run(
                List.of("node", "sdk-test.mjs", proxy.base() + "/v1", TestProxy.KEY, "gpt-4o-mini", "sdk-cust"), 60);
        String lastLine = out.strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode result = json(lastLine);
        String expectedText = E2e.fakeText(COMPLETION);

        assertThat(result.get("plainText").asText()).as(out).isEqualTo(expectedText);
        assertThat(result.at("/plainUsage/prompt_tokens").asInt()).isEqualTo(PROMPT);
        assertThat(result.at("/plainUsage/completion_tokens").asInt()).isEqualTo(COMPLETION);

        assertThat(result.get("streamText").asText()).as(out).isEqualTo(expectedText);
        assertThat(result.get("usageChunks").asInt()).as(out).isEqualTo(1);
        assertThat(result.at("/streamUsage/prompt_tokens").asInt()).isEqualTo(PROMPT);
        assertThat(result.at("/streamUsage/completion_tokens").asInt()).isEqualTo(COMPLETION);
        assertThat(result.at("/streamUsage/total_tokens").asInt()).isEqualTo(PROMPT + COMPLETION);

        assertThat(result.get("errorStatus").asInt()).as(out).isEqualTo(404);
        assertThat(result.get("errorType").asText()).isEqualTo("NotFoundError");

        // Both successful calls carried user=sdk-cust; the 404 never reached admission.
        assertThat(spend(proxy, "sdk-cust"))
                .isEqualByComparingTo(E2e.cost(PROMPT, COMPLETION).multiply(BigDecimal.valueOf(2)));
        assertThat(upstream.requestCount()).isEqualTo(2);
        assertThat(json(upstream.requests().get(0).body()).get("user").asText()).isEqualTo("sdk-cust");
    }
}
