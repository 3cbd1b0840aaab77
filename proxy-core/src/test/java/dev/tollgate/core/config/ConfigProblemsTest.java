package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.core.money.PriceTable;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A config is read in one pass: every problem is reported at once, one line each with its key path;
 * a deployment's provider is checked before its price; LiteLLM keys without effect are named.
 */
class ConfigProblemsTest {
    private static ConfigException problems(String yaml) {
        return catchThrowableOfType(() -> ConfigLoader.read(yaml, Map.of(), "test.yaml"), ConfigException.class);
    }

    @Test
    void everyProblemIsReportedAtOnceOneLineEach() {
        ConfigException e = problems("""
                model_list:
                  - model_name: a
                    litellm_params:
                      model: openai/gpt-4o
                      timeout: soon
                  - model_name: b
                    litellm_params:
                      model: hosted_vllm/my-model
                  - model_name: c
                    litellm_params:
                      model: openai/gpt-4o
                      api_key: os.environ/MISSING_KEY
                    model_info:
                      input_cost_per_token: -1
                      output_cost_per_token: 0.000001
                general_settings:
                  proxy_batch_write_at: abc
                  budget_exceeded_status: 402
                litellm_settings:
                  timezone: Mars/Olympus
                """);
        assertThat(e.problems())
                .containsExactly(
                        "litellm_settings.timezone: unknown time zone \"Mars/Olympus\"; use a region id such as"
                                + " Europe/Berlin or UTC",
                        "general_settings.proxy_batch_write_at: expected a positive number of seconds, got \"abc\"",
                        "general_settings.budget_exceeded_status: expected 400 or 429, got 402",
                        "model_list[0].litellm_params.timeout: expected a positive number of seconds, got \"soon\"",
                        "model_list[1].litellm_params.api_base: required for provider 'hosted_vllm' (the URL of its"
                                + " OpenAI-compatible endpoint)",
                        "model_list[1]: no price for model 'hosted_vllm/my-model' in the bundled price catalogue"
                                + " (LiteLLM's, as of " + PriceTable.bundled().pricesAsOf() + "); set"
                                + " model_info.input_cost_per_token and output_cost_per_token, or model_info.free: true",
                        "model_list[2].litellm_params.api_key: environment variable MISSING_KEY is not set",
                        "model_list[2].model_info.input_cost_per_token: expected a non-negative price in USD per"
                                + " token, got -1");
        assertThat(e.getMessage())
                .startsWith("8 problems:\n  litellm_settings.timezone: ")
                .doesNotContain("\n\n");
        assertThat(e.getMessage().lines()).hasSize(9);
    }

    @Test
    void anUnsupportedProviderIsOneLineAndItsPriceIsNotCheckedToo() {
        ConfigException e = problems("""
                model_list:
                  - model_name: command
                    litellm_params:
                      model: cohere/command-r
                  - model_name: titan
                    litellm_params:
                      model: bedrock/amazon.titan-text-express-v1
                  - model_name: unpriced-and-unsupported
                    litellm_params:
                      model: vertex_ai/some-future-model
                """);
        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems().get(0))
                .isEqualTo("model_list[0].litellm_params.model: provider 'cohere' is not supported by Tollgate"
                        + " (it speaks anthropic/, azure/, cerebras/, custom_openai/, deepseek/, fireworks_ai/, gemini/, groq/,"
                        + " hosted_vllm/, mistral/, ollama_chat/, openai/, openai_like/, openrouter/, perplexity/,"
                        + " together_ai/, xai/); for another endpoint that speaks the OpenAI API use openai/<model>"
                        + " with api_base");
        assertThat(e.problems().get(1)).startsWith("model_list[1].litellm_params.model: provider 'bedrock' ");
        assertThat(e.problems().get(2)).startsWith("model_list[2].litellm_params.model: provider 'vertex_ai' ");
    }

    @Test
    void aMockDeploymentNeedsNoSupportedProvider() {
        TollgateConfig c = ConfigLoader.parse("""
                model_list:
                  - model_name: claude
                    litellm_params: {model: anthropic/claude-sonnet-4-5, mock_response: hi}
                """, Map.of(), "t");
        assertThat(c.models().get(0).price().inputPicos()).isEqualTo(3_000_000);
    }

    @Test
    void wildcardAndSectionShapeErrorsNameTheirPath() {
        ConfigException e = problems("""
                model_list:
                  - model_name: "*"
                    litellm_params: {model: "openai/*"}
                  - model_name: x
                    litellm_params: nope
                  - just a string
                """);
        assertThat(e.problems())
                .containsExactly(
                        "model_list[2]: expected a mapping, got \"just a string\"",
                        "model_list[0].litellm_params.model: wildcard models (\"openai/*\") are not supported; list"
                                + " each model as its own entry",
                        "model_list[1].litellm_params: expected a mapping, got \"nope\"");
    }

    @Test
    void keysWithoutEffectAreNamedOnceWithWhatIsNotEnforced() {
        LoadedConfig loaded = ConfigLoader.read("""
                model_list:
                  - model_name: a
                    litellm_params: {model: openai/gpt-4o, max_retries: 4, stream_timeout: 0.5}
                    rpm: 3
                  - model_name: b
                    litellm_params: {model: openai/gpt-4o-mini, max_retries: 4}
                litellm_settings:
                  num_retries: 5
                  max_budget: 100
                  budget_duration: 30d
                  cache: true
                  set_verbose: false
                  callbacks: ["prometheus", "otel"]
                router_settings:
                  model_group_alias: {"alias": "a"}
                  enable_pre_call_checks: true
                general_settings:
                  allow_requests_on_db_unavailable: true
                  alerting: ["webhook", "slack"]
                  my_typo_key: 1
                """, Map.of(), "t");
        assertThat(loaded.noEffectKeys())
                .containsExactly(
                        "litellm_settings.cache (responses are never cached)",
                        "litellm_settings.callbacks: otel",
                        "general_settings.allow_requests_on_db_unavailable (calls are always served while the"
                                + " database is down (cached policies, fail_open decides for Redis))",
                        "router_settings.enable_pre_call_checks (context windows are not checked before a call)",
                        "general_settings.alerting: slack (only webhook alerts are sent)",
                        "model_list[*].rpm (deployment rpm/tpm are not enforced unless routing_strategy is usage-based-routing-v2 (they weight simple-shuffle); customer limits are)",
                        "model_list[*].litellm_params.max_retries (retries per deployment are not supported: the model group's"
                                + " num_retries applies)",
                        "model_list[*].litellm_params.stream_timeout");
        assertThat(loaded.unknownKeys()).containsExactly("general_settings.my_typo_key");
    }

    @Test
    void environmentVariablesOfTheConfigFeedOsEnvironReferences() {
        TollgateConfig c = ConfigLoader.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {model: openai/gpt-4o, api_key: os.environ/MY_KEY}
                environment_variables:
                  MY_KEY: sk-from-config
                  REDIS_HOST: cache.internal
                  REDIS_PORT: 6380
                """, Map.of("MY_KEY", "sk-from-process"), "t");
        assertThat(c.models().get(0).apiKey()).isEqualTo("sk-from-config");
        assertThat(c.general().redisUrl()).isEqualTo("redis://cache.internal:6380");
    }

    @Test
    void litellmRouterAndFailureSettingsAreHonoured() {
        TollgateConfig c = ConfigLoader.parse("""
                model_list:
                  - model_name: a
                    litellm_params: {model: openai/gpt-4o, tpm: 20_000}
                router_settings:
                  redis_host: redis.internal
                  redis_port: 6390
                  redis_password: "p@ss"
                  timeout: 30
                general_settings:
                  fail_closed_budget_enforcement: true
                  max_request_size_mb: 2
                  default_reserve_tokens: 2_048
                """, Map.of(), "t");
        assertThat(c.general().redisUrl()).isEqualTo("redis://:p%40ss@redis.internal:6390");
        assertThat(c.general().requestTimeout()).hasSeconds(30);
        assertThat(c.general().failOpen()).isFalse();
        assertThat(c.general().maxRequestBodyBytes()).isEqualTo(2L * 1024 * 1024);
        // 2_048: an integer in YAML 1.1 and Python (LiteLLM's own configs write tpm: 20_000).
        assertThat(c.general().defaultReserveTokens()).isEqualTo(2048);
    }
}
