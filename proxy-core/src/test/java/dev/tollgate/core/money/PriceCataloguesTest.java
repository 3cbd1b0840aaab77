package dev.tollgate.core.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.json.Json;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Catalogues in LiteLLM's published shape, from a file or a URL, and their conversion to prices.json. */
class PriceCataloguesTest {
    /** A slice of LiteLLM's map as it publishes it: floats, extra fields, modes Tollgate does not serve. */
    static final String LITELLM_SHAPED = """
            {
              "sample_spec": {"input_cost_per_token": 0.0, "litellm_provider": "one of ...", "mode": "one of: chat"},
              "gpt-4o": {"cache_read_input_token_cost": 1.25e-06, "input_cost_per_token": 2.5e-06,
                         "input_cost_per_token_batches": 1.25e-06, "litellm_provider": "openai",
                         "max_input_tokens": 128000, "max_output_tokens": 16384, "max_tokens": 16384,
                         "mode": "chat", "output_cost_per_token": 1e-05, "supports_vision": true},
              "my-org/llama-tuned": {"input_cost_per_token": 3.3e-07, "output_cost_per_token": 6.6e-07,
                         "litellm_provider": "hosted_vllm", "max_tokens": 8192, "mode": "chat"},
              "text-embedding-3-small": {"input_cost_per_token": 2e-08, "litellm_provider": "openai",
                         "max_tokens": 8191, "mode": "embedding"},
              "derived/noisy": {"input_cost_per_token": 2.9999900000000002e-06, "output_cost_per_token": 1.5e-05,
                         "litellm_provider": "databricks", "mode": "chat"},
              "dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
              "whisper-1": {"input_cost_per_second": 0.0001, "litellm_provider": "openai", "mode": "audio_transcription"}
            }
            """;

    private static JsonNode json(String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Json.parse(b, 0, b.length);
    }

    @Test
    void keepsChatCompletionAndEmbeddingModelsWithExactPrices() throws Exception {
        PriceTable t = PriceCatalogues.fromLitellm(json(LITELLM_SHAPED), "2026-01-01", "test");
        assertThat(t.entries().keySet())
                .containsExactlyInAnyOrder("gpt-4o", "my-org/llama-tuned", "text-embedding-3-small", "derived/noisy");
        assertThat(t.find("gpt-4o").orElseThrow())
                .isEqualTo(new ModelPrice(2_500_000, 10_000_000, 1_250_000, false, 16384));
        assertThat(t.findEntry("gpt-4o").orElseThrow().maxInputTokens()).isEqualTo(128_000);
        // max_tokens stands in for the output limit of a generating model, never of an embedding model.
        assertThat(t.find("my-org/llama-tuned").orElseThrow().maxOutputTokens()).isEqualTo(8192);
        assertThat(t.find("text-embedding-3-small").orElseThrow())
                .isEqualTo(new ModelPrice(20_000, 0, 20_000, false, 0));
        // Binary-float noise below a pico-dollar is dropped: 2.99999e-06 USD.
        assertThat(t.find("derived/noisy").orElseThrow().inputPicos()).isEqualTo(2_999_990);
    }

    @Test
    void theWrittenPricesJsonReadsBackToTheSameTable() throws Exception {
        PriceTable t = PriceCatalogues.fromLitellm(json(LITELLM_SHAPED), "2026-01-01", "test source");
        PriceTable back = PriceTable.fromJson(json(PriceCatalogues.toJson(t)));
        assertThat(back.entries()).isEqualTo(t.entries());
        assertThat(back.pricesAsOf()).isEqualTo("2026-01-01");
        assertThat(back.source()).isEqualTo("test source");
    }

    @Test
    void theBundledCatalogueIsItsOwnConversion() throws Exception {
        PriceTable bundled = PriceTable.bundled();
        PriceTable back = PriceTable.fromJson(json(PriceCatalogues.toJson(bundled)));
        assertThat(back.entries()).isEqualTo(bundled.entries());
    }

    @Test
    void aConfigLoadsItsCatalogueFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, LITELLM_SHAPED);
        TollgateConfig c = ConfigLoader.parse("""
                model_list:
                  - model_name: tuned
                    litellm_params: {model: hosted_vllm/my-org/llama-tuned, api_base: "http://vllm:8000/v1"}
                general_settings:
                  price_catalogue: %s
                """.formatted(file), Map.of(), "t");
        assertThat(c.models().get(0).price().inputPicos()).isEqualTo(330_000);
        assertThat(c.general().priceCatalogue()).isEqualTo(file.toString());
    }

    @Test
    void aConfigLoadsItsCatalogueFromAUrl() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = LITELLM_SHAPED.getBytes(StandardCharsets.UTF_8);
        server.createContext("/prices.json", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            TollgateConfig c = ConfigLoader.parse("""
                    model_list:
                      - model_name: gpt-4o
                        litellm_params: {model: openai/gpt-4o}
                    general_settings:
                      price_catalogue: %s/prices.json
                    """.formatted(url), Map.of(), "t");
            assertThat(c.models().get(0).price().inputPicos()).isEqualTo(2_500_000);
            // With this catalogue, a model only the bundled one lists has no price.
            assertThatThrownBy(() -> ConfigLoader.parse("""
                            model_list:
                              - model_name: mini
                                litellm_params: {model: openai/gpt-4o-mini}
                            general_settings:
                              price_catalogue: %s/prices.json
                            """.formatted(url), Map.of(), "t"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("no price for model 'openai/gpt-4o-mini' in the price catalogue " + url);
            assertThatThrownBy(() -> PriceCatalogues.read(url + "/missing.json"))
                    .hasMessage("cannot download " + url + "/missing.json: HTTP 404");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBadCatalogueIsAClearConfigError(@TempDir Path dir) throws Exception {
        Path notJson = dir.resolve("broken.json");
        Files.writeString(notJson, "{\"gpt-4o\": {");
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "{\"dall-e-3\": {\"mode\": \"image_generation\", \"litellm_provider\": \"openai\"}}");
        Path badPrice = dir.resolve("bad-price.json");
        Files.writeString(
                badPrice,
                "{\"m\": {\"mode\": \"chat\", \"litellm_provider\": \"openai\", \"input_cost_per_token\": \"cheap\","
                        + " \"output_cost_per_token\": 1e-06}}");
        String missing = dir.resolve("nope.json").toString();

        assertThat(catalogueError(notJson.toString())).startsWith(notJson + " is not valid JSON: ");
        assertThat(catalogueError(empty.toString()))
                .isEqualTo(empty + ": no priced chat, completion or embedding model in it (expected LiteLLM's"
                        + " model_prices_and_context_window.json shape)");
        assertThat(catalogueError(badPrice.toString()))
                .isEqualTo(badPrice + ": model \"m\": input_cost_per_token is not a number: \"cheap\"");
        assertThat(catalogueError(missing)).startsWith("cannot read " + missing + ": NoSuchFileException");
    }

    /** The config error line for a catalogue, without its key path. */
    private static String catalogueError(String location) {
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> ConfigLoader.parse(
                        "model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o}\n"
                                + "general_settings:\n  price_catalogue: " + location + "\n",
                        Map.of(),
                        "t"),
                ConfigException.class);
        assertThat(e.problems()).hasSize(1);
        String line = e.problems().get(0);
        assertThat(line).startsWith("general_settings.price_catalogue: ");
        return line.substring("general_settings.price_catalogue: ".length());
    }
}
