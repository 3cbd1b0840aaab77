package dev.tollgate.core.money;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Price catalogues in LiteLLM's published shape ({@code model_prices_and_context_window.json}: one
 * object per model with {@code litellm_provider}, {@code mode}, {@code input_cost_per_token}, ...):
 * read from a file or URL at startup ({@code general_settings.price_catalogue}), and converted into
 * Tollgate's bundled {@code prices.json} ({@link #main}).
 *
 * <p>Only models Tollgate can serve and price are kept: modes {@code chat}, {@code completion} and
 * {@code embedding} with an {@code input_cost_per_token}. Prices are rounded to whole pico-dollars
 * per token; LiteLLM's list prices have at most 12 decimals, so only binary-float noise in a few
 * derived prices (below 1e-20 USD per token) is dropped.
 */
public final class PriceCatalogues {
    static final Set<String> MODES = Set.of("chat", "completion", "embedding");
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(15);

    private PriceCatalogues() {}

    /**
     * Reads a catalogue from a file path or an {@code http(s)://} URL, in LiteLLM's shape or in
     * Tollgate's {@code prices.json} shape.
     *
     * @throws IllegalArgumentException with a message fit for a config error line when the location
     *     cannot be read or holds no usable catalogue
     */
    public static PriceTable read(String location) {
        byte[] body = fetch(location);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(location + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + location + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(location + ": expected a JSON object of models");
        }
        PriceTable table;
        try {
            table = isTollgateShape(root) ? PriceTable.fromJson(root) : fromLitellm(root, null, location);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(location + ": " + e.getMessage());
        }
        if (table.size() == 0) {
            throw new IllegalArgumentException(
                    location + ": no priced chat, completion or embedding model in it (expected LiteLLM's"
                            + " model_prices_and_context_window.json shape)");
        }
        return table;
    }

    private static boolean isTollgateShape(JsonNode root) {
        JsonNode models = root.get("models");
        return models != null && models.isObject() && root.has("prices_as_of") && !models.has("litellm_provider");
    }

    private static byte[] fetch(String location) {
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return download(location);
        }
        try {
            return Files.readAllBytes(Path.of(location));
        } catch (IOException | InvalidPathException e) {
            throw new IllegalArgumentException("cannot read " + location + ": " + describe(e));
        }
    }

    private static byte[] download(String url) {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(FETCH_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        try {
            HttpResponse<byte[]> response = client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(FETCH_TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalArgumentException("cannot download " + url + ": HTTP " + response.statusCode());
            }
            return response.body();
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("cannot download")) {
                throw iae;
            }
            throw new IllegalArgumentException("cannot download " + url + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("cannot download " + url + ": interrupted");
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    /**
     * Converts LiteLLM's price map, keeping the models Tollgate serves and prices.
     *
     * @throws IllegalArgumentException when a kept model has a price that is not a non-negative number
     */
    public static PriceTable fromLitellm(JsonNode root, String pricesAsOf, String source) {
        Map<String, PriceTable.Entry> models = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode node = e.getValue();
            String mode = node.path("mode").asText("");
            if (!node.isObject() || !MODES.contains(mode) || !hasNumber(node, "input_cost_per_token")) {
                continue; // images, audio, rerank, ...; sample_spec; models without a token price
            }
            boolean embedding = mode.equals("embedding");
            if (!embedding && !hasNumber(node, "output_cost_per_token")) {
                continue; // a generating model without an output price cannot be priced
            }
            String key = e.getKey().toLowerCase(Locale.ROOT);
            long input = picos(e.getKey(), node, "input_cost_per_token");
            long output =
                    hasNumber(node, "output_cost_per_token") ? picos(e.getKey(), node, "output_cost_per_token") : 0;
            long cached = hasNumber(node, "cache_read_input_token_cost")
                    ? picos(e.getKey(), node, "cache_read_input_token_cost")
                    : input;
            long cacheWrite = hasNumber(node, "cache_creation_input_token_cost")
                    ? picos(e.getKey(), node, "cache_creation_input_token_cost")
                    : input;
            int maxOutput = tokens(node, "max_output_tokens");
            if (maxOutput == 0 && !embedding) {
                maxOutput = tokens(node, "max_tokens"); // LiteLLM's legacy name for the output limit
            }
            PriceTable.Entry entry = new PriceTable.Entry(
                    key,
                    node.path("litellm_provider").asText(null),
                    mode,
                    new ModelPrice(input, output, cached, false, maxOutput, cacheWrite),
                    tokens(node, "max_input_tokens"));
            models.putIfAbsent(key, entry); // keys differing only in case: the first listed wins
        }
        return new PriceTable(models, pricesAsOf, source);
    }

    private static boolean hasNumber(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    private static long picos(String key, JsonNode node, String field) {
        JsonNode v = node.get(field);
        BigDecimal usd;
        try {
            usd = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model \"" + key + "\": " + field + " is not a number: " + v);
        }
        if (usd.signum() < 0) {
            throw new IllegalArgumentException("model \"" + key + "\": " + field + " is negative: " + v);
        }
        try {
            return Money.usdPerTokenToPicos(usd);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("model \"" + key + "\": " + field + " is out of range: " + v);
        }
    }

    private static int tokens(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber() || v.asDouble() <= 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, v.asLong());
    }

    /** Writes a table in Tollgate's {@code prices.json} shape: one model per line, sorted, prices as decimal strings. */
    public static String toJson(PriceTable table) {
        StringBuilder out = new StringBuilder(256 * table.size());
        out.append("{\n  \"prices_as_of\": ")
                .append(Json.string(table.pricesAsOf()))
                .append(",\n  \"source\": ")
                .append(Json.string(table.source()))
                .append(",\n  \"models\": {");
        boolean first = true;
        for (PriceTable.Entry e : new TreeMap<>(table.entries()).values()) {
            out.append(first ? "\n    " : ",\n    ");
            first = false;
            ModelPrice p = e.price();
            out.append(Json.string(e.model())).append(": {\"provider\": ").append(Json.string(e.provider()));
            out.append(", \"mode\": ").append(Json.string(e.mode()));
            out.append(", \"input_cost_per_token\": \"")
                    .append(usd(p.inputPicos()))
                    .append('"');
            out.append(", \"output_cost_per_token\": \"")
                    .append(usd(p.outputPicos()))
                    .append('"');
            if (p.cachedInputPicos() != p.inputPicos()) {
                out.append(", \"cache_read_input_token_cost\": \"")
                        .append(usd(p.cachedInputPicos()))
                        .append('"');
            }
            if (p.cacheWritePicos() != p.inputPicos()) {
                out.append(", \"cache_creation_input_token_cost\": \"")
                        .append(usd(p.cacheWritePicos()))
                        .append('"');
            }
            if (p.maxOutputTokens() > 0) {
                out.append(", \"max_output_tokens\": ").append(p.maxOutputTokens());
            }
            if (e.maxInputTokens() > 0) {
                out.append(", \"max_input_tokens\": ").append(e.maxInputTokens());
            }
            out.append('}');
        }
        return out.append("\n  }\n}\n").toString();
    }

    private static String usd(long picos) {
        BigDecimal usd = BigDecimal.valueOf(picos, 12).stripTrailingZeros();
        return usd.signum() == 0 ? "0" : usd.toPlainString();
    }

    /**
     * Converts LiteLLM's {@code model_prices_and_context_window.json} into Tollgate's bundled
     * {@code prices.json}, written to standard output.
     *
     * <p>{@code java -cp tollgate.jar dev.tollgate.core.money.PriceCatalogues MAP.json YYYY-MM-DD > prices.json}
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: PriceCatalogues <model_prices_and_context_window.json> <as-of date YYYY-MM-DD>");
            System.exit(2);
        }
        JsonNode root = Json.MAPPER.readTree(Files.readAllBytes(Path.of(args[0])));
        String source = "LiteLLM's public model price map (model_prices_and_context_window.json in the"
                + " BerriAI/litellm repository, main branch, as of " + args[1] + "), reduced to the chat,"
                + " completion and embedding models with a token price; USD per token as exact decimal"
                + " strings (whole pico-dollars). Override a price per deployment with"
                + " model_info.input_cost_per_token and output_cost_per_token, or load a newer map with"
                + " general_settings.price_catalogue.";
        PriceTable table = fromLitellm(root, args[1], source);
        System.out.write(toJson(table).getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }
}
