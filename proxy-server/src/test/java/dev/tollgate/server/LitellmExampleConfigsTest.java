package dev.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.core.config.LoadedConfig;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LiteLLM example configs, in the shapes LiteLLM documents (test resources {@code litellm-configs/}),
 * start a real Tollgate that serves a priced call through them; the LiteLLM settings they carry
 * without effect in Tollgate are named in the warning. Deployments of providers Tollgate does not
 * speak fail the start with one line each, all in one report.
 */
class LitellmExampleConfigsTest {
    static {
        LeakGuard.install();
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static FakeUpstream upstream;

    @BeforeAll
    static void startUpstream() {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    private static Map<String, String> env() {
        return Map.of(
                "OPENAI_API_KEY", "sk-openai",
                "OPENAI_API_KEY_2", "sk-openai-2",
                "MISTRAL_API_KEY", "sk-mistral",
                "AZURE_API_KEY", "az-key",
                "ANTHROPIC_API_KEY", "sk-ant",
                "FAKE_OPENAI_API_BASE", upstream.baseUrl(),
                "AZURE_API_BASE", "http://127.0.0.1:" + upstream.port() + "/");
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(LitellmExampleConfigsTest.class
                .getResource("/litellm-configs/" + name)
                .toURI());
    }

    static Stream<Arguments> startingConfigs() {
        return Stream.of(
                Arguments.of(
                        "load_balancer.yaml",
                        "gpt-3.5-turbo",
                        List.of(
                                "model_list[*].tpm (deployment rpm/tpm are not enforced unless routing_strategy is usage-based-routing-v2 (they weight simple-shuffle); customer limits are)")),
                Arguments.of(
                        "azure_config.yaml",
                        "gpt-4-team1",
                        List.of(
                                "model_list[*].litellm_params.max_retries (retries per deployment are not supported: the model group's"
                                        + " num_retries applies)")),
                Arguments.of(
                        "prometheus_test_config.yaml",
                        "fake-openai-endpoint",
                        List.of(
                                "litellm_settings.cache (responses are never cached)",
                                "litellm_settings.callbacks: otel")),
                Arguments.of(
                        "multi_instance_simple_config.yaml",
                        "fake-openai-endpoint",
                        List.of("litellm_settings.cache_params (responses are never cached)")),
                Arguments.of(
                        "aliases_config.yaml",
                        "gpt-4",
                        List.of("model_list[*].litellm_params.max_tokens (default request parameters are not added to"
                                + " calls)")),
                Arguments.of(
                        "proxy_server_config.yaml",
                        "gpt-3.5-turbo",
                        List.of(
                                "router_settings.enable_pre_call_checks (context windows are not checked before a"
                                        + " call)",
                                "general_settings.pass_through_endpoints",
                                "finetune_settings")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("startingConfigs")
    void startsAndServesAPricedCall(String file, String model, List<String> namedWithoutEffect, @TempDir Path data)
            throws Exception {
        LoadedConfig loaded = ConfigLoader.read(fixture(file), env());
        assertThat(loaded.noEffectKeys()).containsAll(namedWithoutEffect);
        assertThat(loaded.unknownKeys()).isEmpty();
        if (loaded.config().general().usageBasedRouting()) {
            assertThat(loaded.noEffectKeys())
                    .as("usage-based-routing-v2 enforces deployment rpm/tpm")
                    .noneMatch(k -> k.contains(".rpm") || k.contains(".tpm"));
        }

        try (TollgateServer server = TollgateServer.start(loaded.config(), "127.0.0.1", 0, data)) {
            String customer = "fixture-" + UUID.randomUUID();
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/chat/completions"))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer sk-1234")
                            .POST(HttpRequest.BodyPublishers.ofString(TestProxy.chat(model, customer, false)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            BigDecimal cost = new BigDecimal(
                    r.headers().firstValue("x-litellm-response-cost").orElseThrow());
            if (file.equals("aliases_config.yaml")) {
                assertThat(cost).isPositive(); // gpt-4 is the priced alias; text-davinci-003 is the free one
            } else {
                assertThat(cost)
                        .as("priced from the catalogue or the deployment")
                        .isPositive();
            }
        }
    }

    @Test
    void everyDeploymentOfAnUnsupportedProviderIsOneLineOfOneReport() throws Exception {
        ConfigException e = catchThrowableOfType(
                () -> ConfigLoader.read(fixture("unsupported_providers.yaml"), env()), ConfigException.class);
        List<String> providers = List.of(
                "vertex_ai",
                "bedrock",
                "bedrock",
                "vertex_ai",
                "sagemaker",
                "text-completion-openai",
                "cohere",
                "ollama");
        assertThat(e.problems()).hasSize(providers.size());
        for (int i = 0; i < providers.size(); i++) {
            assertThat(e.problems().get(i))
                    .startsWith("model_list[" + i + "].litellm_params.model: provider '" + providers.get(i)
                            + "' is not supported by Tollgate (it speaks ");
        }
        // What Main prints: a count, then one indented line per problem.
        assertThat(e.getMessage().lines().toList())
                .hasSize(providers.size() + 1)
                .first()
                .isEqualTo(providers.size() + " problems:");
    }

    @Test
    void theRealAzureShapeWithoutBaseModelIsToldWhatToSet(@TempDir Path dir) throws Exception {
        Path noBase = dir.resolve("azure.yaml");
        Files.writeString(
                noBase,
                Files.readString(fixture("azure_config.yaml")).replace("      base_model: azure/gpt-35-turbo\n", ""));
        ConfigException e = catchThrowableOfType(() -> ConfigLoader.read(noBase, env()), ConfigException.class);
        assertThat(e.problems())
                .singleElement()
                .asString()
                .startsWith("model_list[0]: no price for Azure deployment 'azure/chatgpt-v-2'")
                .contains("model_info.base_model");
    }
}
