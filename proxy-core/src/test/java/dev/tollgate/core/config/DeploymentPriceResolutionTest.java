package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.money.ModelPrice;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a deployment's prices come from: {@code model_info}, then {@code litellm_params}, then
 * the bundled table (by base model, upstream model, model name), then {@code free}; an unpriced
 * model is a config error, never a silent zero.
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
    void tableByBaseModelThenUpstreamModelThenModelName() {
        ModelPrice mini = priceOf("""
                    litellm_params:
                      model: azure/custom-deployment
                    model_info:
                      base_model: azure/gpt-4o-mini
                """);
        assertThat(mini.inputPicos()).isEqualTo(150_000);

        ModelPrice upstream = priceOf("""
                    litellm_params:
                      model: openai/gpt-4.1-nano-2025-04-14
                """);
        assertThat(upstream.inputPicos()).isEqualTo(100_000);

        ModelDeployment byName = parse("""
                model_list:
                  - model_name: claude-3-5-haiku
                    litellm_params:
                      model: anthropic/my-proxy-alias
                """).models().get(0);
        assertThat(byName.price().inputPicos()).isEqualTo(800_000);
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
                    model_info:
                      free: true
                      max_output_tokens: 512
                """)).isEqualTo(new ModelPrice(0, 0, 0, true, 512));
    }

    @Test
    void unpricedModelIsAnError() {
        assertThatThrownBy(() -> priceOf("    litellm_params:\n      model: hosted_vllm/llama\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model_list[0]: no price for model 'hosted_vllm/llama'; set model_info.input_cost_per_token"
                        + " and output_cost_per_token, or model_info.free: true");
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
}
