package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * LiteLLM's prefixes of OpenAI-compatible providers: each has its own endpoint as the default
 * {@code api_base}, reads its key from LiteLLM's environment variable when {@code api_key} is not
 * set, and is priced from the catalogue under its own prefix.
 */
class ProviderPrefixesTest {
    private static ModelDeployment deployment(String litellmParams, Map<String, String> env) {
        return ConfigLoader.parse(
                        "model_list:\n  - model_name: m\n    litellm_params: " + litellmParams + "\n", env, "t.yaml")
                .models()
                .get(0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "groq/llama-3.3-70b-versatile | https://api.groq.com/openai/v1 | GROQ_API_KEY | 590000 | 790000",
                "deepseek/deepseek-chat | https://api.deepseek.com/v1 | DEEPSEEK_API_KEY | 280000 | 420000",
                "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo | https://api.together.xyz/v1 | TOGETHERAI_API_KEY"
                        + " | 880000 | 880000",
                "fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct | https://api.fireworks.ai/inference/v1"
                        + " | FIREWORKS_API_KEY | 100000 | 100000",
                "openrouter/openai/gpt-4o | https://openrouter.ai/api/v1 | OPENROUTER_API_KEY | 2500000 | 10000000",
                "perplexity/sonar | https://api.perplexity.ai | PERPLEXITYAI_API_KEY | 1000000 | 1000000",
                "xai/grok-3 | https://api.x.ai/v1 | XAI_API_KEY | 3000000 | 15000000",
                "cerebras/llama3.1-8b | https://api.cerebras.ai/v1 | CEREBRAS_API_KEY | 100000 | 100000",
                "gemini/gemini-2.0-flash | https://generativelanguage.googleapis.com/v1beta/openai | GEMINI_API_KEY"
                        + " | 100000 | 400000",
            })
    void defaultBaseKeyVariableAndCataloguePrice(
            String model, String base, String keyVariable, long inputPicos, long outputPicos) {
        ModelDeployment d = deployment("{model: " + model + "}", Map.of(keyVariable, "key-from-env"));
        assertThat(d.apiBase()).isEqualTo(base);
        assertThat(d.apiKey()).isEqualTo("key-from-env");
        assertThat(d.price().inputPicos()).isEqualTo(inputPicos);
        assertThat(d.price().outputPicos()).isEqualTo(outputPicos);
        assertThat(d.price().free()).isFalse();
    }

    @Test
    void theConfiguredKeyAndBaseWinOverTheProvidersOwn() {
        ModelDeployment d = deployment(
                "{model: groq/llama-3.3-70b-versatile, api_key: from-config, api_base: \"http://127.0.0.1:9/v1\"}",
                Map.of("GROQ_API_KEY", "from-env"));
        assertThat(d.apiKey()).isEqualTo("from-config");
        assertThat(d.apiBase()).isEqualTo("http://127.0.0.1:9/v1");
    }

    @Test
    void theFirstSetVariableOfSeveralIsUsedAndNoneMeansNoKey() {
        assertThat(deployment(
                                "{model: together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo}",
                                Map.of("TOGETHER_API_KEY", "third", "TOGETHER_AI_API_KEY", "second"))
                        .apiKey())
                .isEqualTo("second");
        assertThat(deployment("{model: groq/llama-3.3-70b-versatile}", Map.of()).apiKey())
                .isNull();
        // openai/ keeps its existing behaviour: only api_key sets its key.
        assertThat(deployment("{model: openai/gpt-4o}", Map.of("OPENAI_API_KEY", "k"))
                        .apiKey())
                .isNull();
    }

    @Test
    void environmentVariablesOfTheConfigCountToo() {
        TollgateConfig c = ConfigLoader.parse("""
                environment_variables: {GEMINI_API_KEY: from-config-env}
                model_list:
                  - model_name: flash
                    litellm_params: {model: gemini/gemini-2.0-flash}
                """, Map.of("GEMINI_API_KEY", "from-process"), "t.yaml");
        assertThat(c.models().get(0).apiKey()).isEqualTo("from-config-env");
    }

    @Test
    void ollamaChatSpeaksTheOpenAiEndpointUnderV1OfTheServer() {
        String free = "{model: ollama_chat/llama3.1, api_base: \"%s\"}\n    model_info: {free: true}";
        assertThat(deployment(free.formatted("http://gpu-box:11434"), Map.of()).apiBase())
                .isEqualTo("http://gpu-box:11434/v1");
        assertThat(deployment(free.formatted("http://gpu-box:11434/v1/"), Map.of())
                        .apiBase())
                .isEqualTo("http://gpu-box:11434/v1");
        assertThat(deployment("{model: ollama_chat/llama3.1}\n    model_info: {free: true}", Map.of())
                        .apiBase())
                .isEqualTo("http://localhost:11434/v1");
    }

    @Test
    void selfHostedModelsNeedTheirOwnPriceOrFree() {
        ConfigException e =
                catchThrowableOfType(() -> ConfigLoader.read("""
                        model_list:
                          - model_name: vllm
                            litellm_params: {model: hosted_vllm/llama-3, api_base: "http://10.0.0.5:8000/v1"}
                          - model_name: local
                            litellm_params: {model: ollama_chat/llama3.1}
                          - model_name: no-base
                            litellm_params: {model: hosted_vllm/llama-3}
                            model_info: {free: true}
                        """, Map.of(), "t.yaml"), ConfigException.class);
        assertThat(e.problems())
                .containsExactly(
                        "model_list[0]: no price for model 'hosted_vllm/llama-3' in the bundled price catalogue (LiteLLM's,"
                                + " as of 2026-07-24); set model_info.input_cost_per_token and"
                                + " output_cost_per_token, or model_info.free: true",
                        "model_list[1]: no price for model 'ollama_chat/llama3.1' in the bundled price catalogue (LiteLLM's,"
                                + " as of 2026-07-24); set model_info.input_cost_per_token and"
                                + " output_cost_per_token, or model_info.free: true",
                        "model_list[2].litellm_params.api_base: required for provider 'hosted_vllm' (the URL of its"
                                + " OpenAI-compatible endpoint)");
    }
}
