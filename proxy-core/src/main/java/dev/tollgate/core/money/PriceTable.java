package dev.tollgate.core.money;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The price catalogue: list prices of chat, completion and embedding models, used for deployments
 * that do not set their own. The bundled one ({@code prices.json}) is converted from LiteLLM's public
 * model price map; {@link PriceCatalogues} reads a newer copy of that map from a file or URL.
 * Prices are held as whole pico-dollars per token, so they are exact.
 *
 * <p>Keys are LiteLLM's: bare for OpenAI and Anthropic models ({@code gpt-4o}), prefixed with the
 * provider for most others ({@code azure/gpt-4o}, {@code mistral/mistral-large-latest}). Lookups are
 * case-insensitive and tolerate a dated snapshot ({@code gpt-4o-2024-08-06}, {@code -20241022},
 * {@code -2411}) or {@code -latest} when the exact name is not listed.
 */
public final class PriceTable {
    private static final String RESOURCE = "/prices.json";
    /** -2024-08-06, -20241022, -2411 / -0125 (Mistral YYMM and OpenAI MMDD snapshots). */
    private static final Pattern DATED_SUFFIX = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4})$");

    private static final String LATEST = "-latest";
    /** Providers whose models LiteLLM also lists under a sibling provider name. */
    private static final Map<String, Set<String>> SIBLINGS =
            Map.of("openai", Set.of("text-completion-openai"), "azure", Set.of("azure_text"));

    /**
     * One priced model.
     *
     * @param maxInputTokens the model's context window in tokens (0 = unknown)
     */
    public record Entry(String model, String provider, String mode, ModelPrice price, int maxInputTokens) {
        /** Listed at $0 in and out: typically a self-hosted model, whose real cost the catalogue cannot know. */
        public boolean zeroPriced() {
            return price.inputPicos() == 0 && price.outputPicos() == 0;
        }
    }

    private final Map<String, Entry> models;
    private final String pricesAsOf;
    private final String source;

    PriceTable(Map<String, Entry> models, String pricesAsOf, String source) {
        this.models = Map.copyOf(models);
        this.pricesAsOf = pricesAsOf;
        this.source = source;
    }

    private static final class Bundled {
        static final PriceTable INSTANCE = load();

        private static PriceTable load() {
            try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("bundled " + RESOURCE + " is missing from the classpath");
                }
                return fromJson(Json.MAPPER.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read bundled " + RESOURCE, e);
            }
        }
    }

    /** The catalogue shipped in the jar, parsed once. */
    public static PriceTable bundled() {
        return Bundled.INSTANCE;
    }

    /**
     * Builds a table from Tollgate's {@code prices.json} shape ({@code prices_as_of}, {@code source},
     * {@code models} with prices as decimal strings).
     *
     * @throws IllegalArgumentException when an entry lacks a price or a price is not a decimal string
     */
    public static PriceTable fromJson(JsonNode root) {
        Map<String, Entry> models = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : root.path("models").properties()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            models.put(key, entry(key, e.getValue()));
        }
        return new PriceTable(
                models,
                root.path("prices_as_of").asText(null),
                root.path("source").asText(null));
    }

    private static Entry entry(String key, JsonNode node) {
        long input = picos(key, node, "input_cost_per_token");
        long output = picos(key, node, "output_cost_per_token");
        // Without a cache price, cached prompt tokens cost the full input price: never undercharge.
        long cached = node.has("cache_read_input_token_cost") ? picos(key, node, "cache_read_input_token_cost") : input;
        long cacheWrite = node.has("cache_creation_input_token_cost")
                ? picos(key, node, "cache_creation_input_token_cost")
                : input;
        return new Entry(
                key,
                node.path("provider").asText(null),
                node.path("mode").asText("chat"),
                new ModelPrice(
                        input,
                        output,
                        cached,
                        false,
                        node.path("max_output_tokens").asInt(0),
                        cacheWrite),
                node.path("max_input_tokens").asInt(0));
    }

    private static long picos(String key, JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("price of " + key + ": " + field + " must be a decimal string");
        }
        try {
            BigDecimal usd = new BigDecimal(value.textValue());
            if (usd.signum() < 0) {
                throw new IllegalArgumentException("price of " + key + ": " + field + " is negative");
            }
            return Money.usdPerTokenToPicos(usd);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("price of " + key + ": " + field + " is not a decimal: " + value, e);
        }
    }

    /** The date the prices were taken from their source, from {@code prices_as_of}. */
    public String pricesAsOf() {
        return pricesAsOf;
    }

    /** Where the prices come from. */
    public String source() {
        return source;
    }

    /** Number of priced models. */
    public int size() {
        return models.size();
    }

    /** Every entry, keyed by its lower-cased model key. */
    public Map<String, Entry> entries() {
        return models;
    }

    /** The price listed under {@code model} exactly, or as a dated snapshot or {@code -latest} of a listed name. */
    public Optional<ModelPrice> find(String model) {
        return findEntry(model).map(Entry::price);
    }

    /** The entry listed under {@code model}, resolved as in {@link #find(String)}. */
    public Optional<Entry> findEntry(String model) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(lookup(model.trim().toLowerCase(Locale.ROOT)));
    }

    /**
     * The entry of a deployment's {@code litellm_params.model}: {@code provider/model} as listed, else
     * the bare model name if the catalogue lists it for the same provider. A name listed only for
     * another provider does not count: a self-hosted {@code hosted_vllm/llama-3} is not priced as some
     * cloud's Llama.
     */
    public Optional<Entry> forDeployment(String provider, String upstreamModel) {
        if (upstreamModel == null || upstreamModel.isBlank()) {
            return Optional.empty();
        }
        String p = provider.toLowerCase(Locale.ROOT);
        String name = upstreamModel.trim().toLowerCase(Locale.ROOT);
        Entry prefixed = lookup(p + "/" + name);
        if (prefixed != null) {
            return Optional.of(prefixed);
        }
        Entry bare = lookup(name);
        if (bare != null && sameProvider(p, bare.provider())) {
            return Optional.of(bare);
        }
        return Optional.empty();
    }

    /**
     * The entry of a {@code model_info.base_model}, which the operator names on purpose: as written,
     * after {@code provider/base_model} when the name carries no provider.
     */
    public Optional<Entry> forBaseModel(String provider, String baseModel) {
        if (baseModel == null || baseModel.isBlank()) {
            return Optional.empty();
        }
        String name = baseModel.trim().toLowerCase(Locale.ROOT);
        if (name.indexOf('/') < 0) {
            Entry prefixed = lookup(provider.toLowerCase(Locale.ROOT) + "/" + name);
            if (prefixed != null) {
                return Optional.of(prefixed);
            }
        }
        return Optional.ofNullable(lookup(name));
    }

    private static boolean sameProvider(String deploymentProvider, String entryProvider) {
        if (entryProvider == null) {
            return false;
        }
        String e = entryProvider.toLowerCase(Locale.ROOT);
        return e.equals(deploymentProvider)
                || SIBLINGS.getOrDefault(deploymentProvider, Set.of()).contains(e);
    }

    private Entry lookup(String key) {
        Entry exact = models.get(key);
        if (exact != null) {
            return exact;
        }
        String base = key;
        if (base.endsWith(LATEST)) {
            base = base.substring(0, base.length() - LATEST.length());
        } else {
            base = DATED_SUFFIX.matcher(base).replaceFirst("");
        }
        if (base.equals(key) || base.isEmpty()) {
            return null;
        }
        Entry stripped = models.get(base);
        return stripped != null ? stripped : models.get(base + LATEST);
    }
}
