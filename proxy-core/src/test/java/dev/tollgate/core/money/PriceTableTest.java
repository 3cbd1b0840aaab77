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
import org.junit.jupiter.api.Test;

class PriceTableTest {
    private final PriceTable table = PriceTable.bundled();

    private ModelPrice price(String model) {
        return table.find(model).orElseThrow(() -> new AssertionError("no price for " + model));
    }

    @Test
    void knownPricesAreExactInPicoDollars() {
        // $2.50 / $10.00 / $1.25 per 1M tokens.
        assertThat(price("gpt-4o")).isEqualTo(new ModelPrice(2_500_000, 10_000_000, 1_250_000, false, 16384));
        // $0.15 / $0.60 / $0.075 per 1M tokens.
        assertThat(price("gpt-4o-mini")).isEqualTo(new ModelPrice(150_000, 600_000, 75_000, false, 16384));
        assertThat(price("gpt-3.5-turbo")).isEqualTo(new ModelPrice(500_000, 1_500_000, 500_000, false, 4096));
        assertThat(price("gpt-5-nano").cachedInputPicos()).isEqualTo(5_000);
        assertThat(price("text-embedding-3-small")).isEqualTo(new ModelPrice(20_000, 0, 20_000, false, 0));
        assertThat(price("claude-sonnet-4")).isEqualTo(new ModelPrice(3_000_000, 15_000_000, 300_000, false, 64000));
        assertThat(price("mistral-large-latest").inputPicos()).isEqualTo(2_000_000);
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
    void toleratesProviderPrefixesAndAliases() {
        assertThat(price("azure/gpt-4o")).isEqualTo(price("gpt-4o"));
        assertThat(price("openai/gpt-4.1-mini")).isEqualTo(price("gpt-4.1-mini"));
        assertThat(price("azure/gpt-35-turbo")).isEqualTo(price("gpt-3.5-turbo"));
        assertThat(price("mistral/mistral-tiny")).isEqualTo(price("open-mistral-7b"));
        assertThat(price("GPT-4O")).isEqualTo(price("gpt-4o"));
    }

    @Test
    void toleratesDatedSnapshotsAndLatest() {
        assertThat(price("gpt-4o-2024-08-06")).isEqualTo(price("gpt-4o"));
        assertThat(price("gpt-4o-mini-2024-07-18")).isEqualTo(price("gpt-4o-mini"));
        assertThat(price("openai/gpt-4.1-2025-04-14")).isEqualTo(price("gpt-4.1"));
        assertThat(price("anthropic/claude-3-5-haiku-20241022")).isEqualTo(price("claude-3-5-haiku"));
        assertThat(price("claude-3-7-sonnet-latest")).isEqualTo(price("claude-3-7-sonnet"));
        assertThat(price("mistral-large-2411")).isEqualTo(price("mistral-large-latest"));
        assertThat(price("gpt-4-0613")).isEqualTo(price("gpt-4"));
    }

    @Test
    void anExactSnapshotKeyWinsOverTheStrippedName() {
        // The first gpt-4o snapshot kept its launch price.
        assertThat(price("gpt-4o-2024-05-13").inputPicos()).isEqualTo(5_000_000);
    }

    @Test
    void unknownModelsHaveNoPrice() {
        assertThat(table.find("my-finetune")).isEmpty();
        assertThat(table.find("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct")).isEmpty();
        assertThat(table.find("")).isEmpty();
        assertThat(table.find(null)).isEmpty();
        assertThat(table.find("-latest")).isEmpty();
    }

    @Test
    void entriesCarryProviderAndMode() {
        assertThat(table.findEntry("text-embedding-3-large"))
                .get()
                .extracting(PriceTable.Entry::provider, PriceTable.Entry::mode)
                .containsExactly("openai", "embedding");
        assertThat(table.findEntry("codestral-2501"))
                .get()
                .extracting(PriceTable.Entry::model)
                .isEqualTo("codestral-latest");
    }

    @Test
    void bundledFileStoresExactDecimalStringsAndItsDate() throws Exception {
        JsonNode root;
        try (InputStream in = PriceTable.class.getResourceAsStream("/prices.json")) {
            root = Json.MAPPER.readTree(in);
        }
        assertThat(LocalDate.parse(table.pricesAsOf())).isBefore(LocalDate.now().plusDays(1));
        assertThat(root.path("source").asText()).isNotBlank();
        for (Map.Entry<String, JsonNode> e : root.path("models").properties()) {
            JsonNode m = e.getValue();
            assertThat(m.path("input_cost_per_token").isTextual())
                    .as(e.getKey())
                    .isTrue();
            assertThat(m.path("output_cost_per_token").isTextual())
                    .as(e.getKey())
                    .isTrue();
            assertThat(m.path("mode").asText()).as(e.getKey()).isIn("chat", "embedding");
            assertThat(m.path("provider").asText()).as(e.getKey()).isIn("openai", "mistral", "anthropic");
            // Every stored price converts to whole pico-dollars without rounding.
            BigDecimal in = new BigDecimal(m.path("input_cost_per_token").asText());
            assertThat(in.movePointRight(12).stripTrailingZeros().scale())
                    .as(e.getKey())
                    .isLessThanOrEqualTo(0);
        }
    }

    @Test
    void rejectsMalformedTables() throws Exception {
        assertThatThrownBy(() -> PriceTable.fromJson(
                        json("{\"models\":{\"m\":{\"input_cost_per_token\":0.1,\"output_cost_per_token\":\"1\"}}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input_cost_per_token");
        assertThatThrownBy(() -> PriceTable.fromJson(json("{\"models\":{},\"aliases\":{\"a\":\"nope\"}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown model");
    }

    private static JsonNode json(String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Json.parse(b, 0, b.length);
    }
}
