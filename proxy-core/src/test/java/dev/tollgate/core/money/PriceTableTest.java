package dev.tollgate.core.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PriceTableTest {
    private final PriceTable table = PriceTable.bundled();

    private ModelPrice price(String model) {
        return table.find(model).orElseThrow(() -> new AssertionError("no price for " + model));
    }

    private ModelPrice deployment(String provider, String model) {
        return table.forDeployment(provider, model)
                .orElseThrow(() -> new AssertionError("no price for " + provider + "/" + model))
                .price();
    }

    @Test
    void coversLiteLlmsMapOfChatCompletionAndEmbeddingModels() {
        assertThat(table.size()).isGreaterThan(2000);
        long providers = table.entries().values().stream()
                .map(PriceTable.Entry::provider)
                .distinct()
                .count();
        assertThat(providers).isGreaterThan(50);
        assertThat(table.entries().values())
                .allSatisfy(e -> assertThat(e.mode()).isIn("chat", "completion", "embedding"));
    }

    @Test
    void knownPricesAreExactInPicoDollars() {
        // $2.50 / $10.00 / $1.25 per 1M tokens.
        assertThat(price("gpt-4o")).isEqualTo(new ModelPrice(2_500_000, 10_000_000, 1_250_000, false, 16384));
        // $0.15 / $0.60 / $0.075 per 1M tokens.
        assertThat(price("gpt-4o-mini")).isEqualTo(new ModelPrice(150_000, 600_000, 75_000, false, 16384));
        assertThat(price("gpt-3.5-turbo")).isEqualTo(new ModelPrice(500_000, 1_500_000, 500_000, false, 4096));
        assertThat(price("gpt-5-nano").cachedInputPicos()).isEqualTo(5_000);
        // Embeddings: no output price, and LiteLLM's max_tokens is their input limit, not an output limit.
        assertThat(price("text-embedding-3-small")).isEqualTo(new ModelPrice(20_000, 0, 20_000, false, 0));
        // Anthropic's cache writes have their own price: $3.75 per 1M tokens.
        assertThat(price("claude-sonnet-4-5"))
                .isEqualTo(new ModelPrice(3_000_000, 15_000_000, 300_000, false, 64000, 3_750_000));
        assertThat(price("claude-3-haiku-20240307").cacheWritePicos()).isEqualTo(300_000);
        // Azure lists its own price, 10% above OpenAI's for this model.
        assertThat(price("azure/gpt-4o-mini").inputPicos()).isEqualTo(165_000);
        // A price with more than nine decimals: 2.1875e-06 USD per token.
        assertThat(price("amazon.nova-2-pro-preview-20251202-v1:0").inputPicos())
                .isEqualTo(2_187_500);
    }

    @Test
    void contextWindowsAreKept() {
        assertThat(table.findEntry("gpt-4o").orElseThrow().maxInputTokens()).isEqualTo(128_000);
    }

    @Test
    void gpt35TurboCostOf10PromptAnd20CompletionTokens() {
        // 10 × $0.0000005 + 20 × $0.0000015 = $0.000005 + $0.00003 = $0.000035 = 35 000 nano-dollars.
        assertThat(price("gpt-3.5-turbo").cost(10, 20, 0)).isEqualTo(35_000);
    }

    @Test
    void cachedTokensAreChargedAtTheCachePrice() {
        // gpt-4o: 1000 uncached × 2.5e6 + 1000 cached × 1.25e6 + 100 completion × 1e7 = 4.75e9 picos = $0.00475.
        assertThat(price("gpt-4o").cost(2000, 100, 1000)).isEqualTo(4_750_000);
    }

    @Test
    void aDeploymentIsPricedUnderItsProviderPrefixOrItsBareNameOfTheSameProvider() {
        assertThat(deployment("azure", "gpt-4o-mini")).isEqualTo(price("azure/gpt-4o-mini"));
        assertThat(deployment("openai", "gpt-4.1-mini")).isEqualTo(price("gpt-4.1-mini"));
        assertThat(deployment("mistral", "mistral-large-latest")).isEqualTo(price("mistral/mistral-large-latest"));
        assertThat(deployment("OpenAI", "GPT-4O")).isEqualTo(price("gpt-4o"));
        // LiteLLM lists the instruct model under its /completions provider name.
        assertThat(deployment("openai", "gpt-3.5-turbo-instruct")).isEqualTo(price("gpt-3.5-turbo-instruct"));
    }

    @Test
    void aNameListedForAnotherProviderDoesNotPriceADeployment() {
        // Self-hosted models are not priced as some cloud's copy of the same weights.
        assertThat(table.forDeployment("hosted_vllm", "gpt-4o")).isEmpty();
        assertThat(table.forDeployment("openai", "claude-sonnet-4-5")).isEmpty();
        assertThat(table.forDeployment("hosted_vllm", "meta-llama/Llama-3.1-8B-Instruct"))
                .isEmpty();
    }

    @Test
    void aBaseModelIsTakenAsWrittenAfterTheDeploymentsProviderPrefix() {
        assertThat(table.forBaseModel("azure", "gpt-4o-mini").orElseThrow().model())
                .isEqualTo("azure/gpt-4o-mini");
        assertThat(table.forBaseModel("azure", "azure/gpt-4").orElseThrow().model())
                .isEqualTo("azure/gpt-4");
        assertThat(table.forBaseModel("hosted_vllm", "gpt-4o").orElseThrow().model())
                .isEqualTo("gpt-4o");
    }

    @Test
    void toleratesDatedSnapshotsAndLatest() {
        assertThat(price("gpt-4o-mini-2024-07-18")).isEqualTo(price("gpt-4o-mini"));
        assertThat(deployment("openai", "gpt-4.1-2099-04-14")).isEqualTo(price("gpt-4.1"));
        assertThat(price("mistral/mistral-large-2411").inputPicos()).isEqualTo(2_000_000);
        assertThat(price("gpt-4o-2099-01-01")).isEqualTo(price("gpt-4o"));
    }

    @Test
    void anExactSnapshotKeyWinsOverTheStrippedName() {
        // The first gpt-4o snapshot kept its launch price.
        assertThat(price("gpt-4o-2024-05-13").inputPicos()).isEqualTo(5_000_000);
    }

    @Test
    void unknownModelsHaveNoPrice() {
        assertThat(table.find("my-finetune")).isEmpty();
        assertThat(table.find("")).isEmpty();
        assertThat(table.find(null)).isEmpty();
        assertThat(table.find("-latest")).isEmpty();
        assertThat(table.forDeployment("openai", "fake")).isEmpty();
    }

    @Test
    void entriesCarryProviderAndMode() {
        assertThat(table.findEntry("text-embedding-3-large"))
                .get()
                .extracting(PriceTable.Entry::provider, PriceTable.Entry::mode)
                .containsExactly("openai", "embedding");
        assertThat(table.findEntry("ollama/llama2").orElseThrow().zeroPriced()).isTrue();
    }

    @Test
    void bundledFileStoresExactDecimalStringsItsSourceAndDate() throws Exception {
        JsonNode root;
        try (InputStream in = PriceTable.class.getResourceAsStream("/prices.json")) {
            root = Json.MAPPER.readTree(in);
        }
        assertThat(LocalDate.parse(table.pricesAsOf())).isBefore(LocalDate.now().plusDays(1));
        assertThat(root.path("source").asText()).contains("LiteLLM").contains("model_prices_and_context_window.json");
        for (Map.Entry<String, JsonNode> e : root.path("models").properties()) {
            JsonNode m = e.getValue();
            for (String field : Set.of("input_cost_per_token", "output_cost_per_token")) {
                assertThat(m.path(field).isTextual()).as(e.getKey()).isTrue();
                // Every stored price is whole pico-dollars: nothing is rounded when it is read.
                assertThat(new BigDecimal(m.path(field).asText())
                                .movePointRight(12)
                                .stripTrailingZeros()
                                .scale())
                        .as(e.getKey())
                        .isLessThanOrEqualTo(0);
            }
            assertThat(m.path("provider").asText()).as(e.getKey()).isNotBlank();
        }
    }

    @Test
    void rejectsMalformedTables() throws Exception {
        assertThatThrownBy(() -> PriceTable.fromJson(
                        json("{\"models\":{\"m\":{\"input_cost_per_token\":0.1,\"output_cost_per_token\":\"1\"}}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input_cost_per_token");
    }

    private static JsonNode json(String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Json.parse(b, 0, b.length);
    }
}
