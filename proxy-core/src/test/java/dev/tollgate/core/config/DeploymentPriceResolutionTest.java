package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.money.ModelPrice;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a deployment's prices come from: {@code model_info}, then {@code litellm_params}, then
 * the price catalogue (by base model, else by the deployment's model), then {@code free}; an
 * unpriced model is a config error, never a silent zero.
 */
class DeploymentPriceResolutionTest {
    private static TollgateConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, Map.of(), "test.yaml");
    }

    private static ModelPrice priceOf(String entryYaml) {
        return parse("model_list:\n  - model_name: public-name\n" + entryYaml)
                .models()
                .get(0)
                .price();
    }

    @Test
    void modelInfoPricesComeFirst() {
        ModelPrice p = priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                      input_cost_per_token: 0.000009
                      output_cost_per_token: 0.000009
                    model_info:
                      input_cost_per_token: 0.000001
                      output_cost_per_token: 0.000002
                """);
        // Own price, but the table's output limit for gpt-4o.
        assertThat(p).isEqualTo(new ModelPrice(1_000_000, 2_000_000, 1_000_000, false, 16384));
    }

    @Test
    void litellmParamsPricesComeSecond() {
        ModelPrice p = priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                      input_cost_per_token: "0.000003"
                      output_cost_per_token: 0.000004
                """);
        assertThat(p).isEqualTo(new ModelPrice(3_000_000, 4_000_000, 3_000_000, false, 16384));
    }

    @Test
    void catalogueByBaseModelElseByTheDeploymentsModel() {
        ModelPrice mini = priceOf("""
                    litellm_params:
                      model: azure/custom-deployment
                      api_base: https://example.openai.azure.com
                    model_info:
                      base_model: azure/gpt-4o-mini
                """);
        assertThat(mini.inputPicos()).isEqualTo(165_000);

        ModelPrice upstream = priceOf("""
                    litellm_params:
                      model: openai/gpt-4.1-nano-2025-04-14
                """);
        assertThat(upstream.inputPicos()).isEqualTo(100_000);
    }

    @Test
    void thePublicNameDoesNotPriceADeployment() {
        // model_name is whatever clients send; only the model behind it has a price.
        assertThatThrownBy(() -> parse("""
                        model_list:
                          - model_name: gpt-4o
                            litellm_params:
                              model: hosted_vllm/my-finetune
                              api_base: http://vllm:8000/v1
                        """))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model_list[0]: no price for model 'hosted_vllm/my-finetune' in the bundled"
                        + " price catalogue (LiteLLM's, as of ");
    }

    @Test
    void anAzureDeploymentWithoutPriceIsToldAboutBaseModel() {
        assertThatThrownBy(() -> priceOf("""
                    litellm_params:
                      model: azure/chatgpt-v-2
                      api_base: https://example.openai.azure.com
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model_list[0]: no price for Azure deployment 'azure/chatgpt-v-2' (a deployment name does"
                        + " not say which model it serves); set model_info.base_model to that model (e.g."
                        + " azure/gpt-4o), or set model_info.input_cost_per_token and output_cost_per_token, or"
                        + " model_info.free: true");
        assertThatThrownBy(() -> priceOf("""
                    litellm_params:
                      model: azure/chatgpt-v-2
                      api_base: https://example.openai.azure.com
                    model_info:
                      base_model: azure/gpt-9
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "model_list[0].model_info.base_model: no price for 'azure/gpt-9' in the bundled");
    }

    @Test
    void aModelTheCatalogueListsAtZeroMustBeMarkedFree() {
        String entry = """
                    litellm_params:
                      model: openai/llama2
                      api_base: http://ollama:11434/v1
                    model_info:
                      base_model: ollama/llama2
                """;
        assertThatThrownBy(() -> priceOf(entry))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "model_list[0]: 'ollama/llama2' is listed at $0 in the bundled price catalogue");
        assertThat(priceOf(entry + "      free: true\n").free()).isTrue();
    }

    @Test
    void maxOutputTokensFromModelInfoOverridesTheTable() {
        ModelPrice p = priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                    model_info:
                      max_output_tokens: 1000
                """);
        assertThat(p).isEqualTo(new ModelPrice(2_500_000, 10_000_000, 1_250_000, false, 1000));
    }

    @Test
    void freeOnlyWhenNothingElsePricesTheModel() {
        assertThat(priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                    model_info:
                      free: true
                """).free()).isFalse();
        assertThat(priceOf("""
                    litellm_params:
                      model: hosted_vllm/llama
                      api_base: http://vllm:8000/v1
                    model_info:
                      free: true
                      max_output_tokens: 512
                """)).isEqualTo(new ModelPrice(0, 0, 0, true, 512));
    }

    @Test
    void unpricedModelIsAnError() {
        assertThatThrownBy(() -> priceOf("""
                    litellm_params:
                      model: hosted_vllm/llama
                      api_base: http://vllm:8000/v1
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("; set model_info.input_cost_per_token and output_cost_per_token, or"
                        + " model_info.free: true");
    }

    @Test
    void maxTokensInModelInfoIsTheOutputLimitWhenMaxOutputTokensIsAbsent() {
        ModelPrice p = priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                    model_info:
                      max_tokens: 700
                """);
        assertThat(p.maxOutputTokens()).isEqualTo(700);
    }

    @Test
    void halfAPriceIsAnError() {
        assertThatThrownBy(() -> priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                    model_info:
                      input_cost_per_token: 0.000001
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "model_list[0].model_info: input_cost_per_token and output_cost_per_token must be set together");
        assertThatThrownBy(() -> priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                      output_cost_per_token: 0.000001
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "model_list[0].litellm_params: input_cost_per_token and output_cost_per_token must be set together");
    }

    @Test
    void negativeOrNonNumericPriceIsAnError() {
        assertThatThrownBy(() -> priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                    model_info:
                      input_cost_per_token: -0.000001
                      output_cost_per_token: 0.000001
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "model_list[0].model_info.input_cost_per_token: expected a non-negative price in USD per token, got -0.000001");
        assertThatThrownBy(() -> priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                    model_info:
                      input_cost_per_token: cheap
                      output_cost_per_token: 0.000001
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "model_list[0].model_info.input_cost_per_token: expected a non-negative price in USD per token, got \"cheap\"");
    }

    @Test
    void cacheWritesHaveTheirOwnPriceFromTheCatalogueOrTheDeploymentElseTheInputPrice() {
        assertThat(priceOf("""
                    litellm_params:
                      model: anthropic/claude-sonnet-4-20250514
                """).cacheWritePicos()).isEqualTo(3_750_000);
        assertThat(priceOf("""
                    litellm_params:
                      model: anthropic/claude-sonnet-4-20250514
                    model_info:
                      input_cost_per_token: 0.000001
                      output_cost_per_token: 0.000002
                      cache_creation_input_token_cost: 0.0000015
                """).cacheWritePicos()).isEqualTo(1_500_000);
        assertThat(priceOf("""
                    litellm_params:
                      model: openai/gpt-4o
                    model_info:
                      input_cost_per_token: 0.000001
                      output_cost_per_token: 0.000002
                """).cacheWritePicos()).isEqualTo(1_000_000);
    }
}
