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
import java.util.regex.Pattern;

/**
 * Public list prices bundled with Tollgate ({@code prices.json}), used for deployments that do not
 * set their own. Prices are stored as decimal strings and held as pico-dollars, so they are exact.
 *
 * <p>Lookups tolerate what configs and providers actually send: a {@code provider/} prefix
 * ({@code azure/gpt-4o}), a dated snapshot ({@code gpt-4o-2024-08-06}, {@code claude-3-5-haiku-20241022},
 * {@code mistral-large-2411}) and {@code -latest}, whenever the exact name is not in the table.
 */
public final class PriceTable {
    private static final String RESOURCE = "/prices.json";
    /** -2024-08-06, -20241022, -2411 / -0125 (Mistral YYMM and OpenAI MMDD snapshots). */
    private static final Pattern DATED_SUFFIX = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4})$");

    private static final String LATEST = "-latest";

    /** One priced model. */
    public record Entry(String model, String provider, String mode, ModelPrice price) {}

    private final Map<String, Entry> models;
    private final Map<String, String> aliases;
    private final String pricesAsOf;

    private PriceTable(Map<String, Entry> models, Map<String, String> aliases, String pricesAsOf) {
        this.models = models;
        this.aliases = aliases;
        this.pricesAsOf = pricesAsOf;
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

    /** The table shipped in the jar, parsed once. */
    public static PriceTable bundled() {
        return Bundled.INSTANCE;
    }

    /**
     * Builds a table from a document shaped like {@code prices.json}.
     *
     * @throws IllegalArgumentException when an entry lacks a price or a price is not a decimal string
     */
    public static PriceTable fromJson(JsonNode root) {
        Map<String, Entry> models = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : root.path("models").properties()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            models.put(key, entry(key, e.getValue()));
        }
        Map<String, String> aliases = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : root.path("aliases").properties()) {
            String target = e.getValue().asText().toLowerCase(Locale.ROOT);
            if (!models.containsKey(target)) {
                throw new IllegalArgumentException("price alias " + e.getKey() + " points to unknown model " + target);
            }
            aliases.put(e.getKey().toLowerCase(Locale.ROOT), target);
        }
        return new PriceTable(
                Map.copyOf(models),
                Map.copyOf(aliases),
                root.path("prices_as_of").asText(null));
    }

    private static Entry entry(String key, JsonNode node) {
        long input = picos(key, node, "input_cost_per_token");
        long output = picos(key, node, "output_cost_per_token");
        // Without a cache price, cached prompt tokens cost the full input price: never undercharge.
        long cached = node.has("cache_read_input_token_cost") ? picos(key, node, "cache_read_input_token_cost") : input;
        int maxOutput = node.path("max_output_tokens").asInt(0);
        return new Entry(
                key,
                node.path("provider").asText(null),
                node.path("mode").asText("chat"),
                new ModelPrice(input, output, cached, false, maxOutput));
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

    /** The date the bundled prices were checked, from {@code prices_as_of}. */
    public String pricesAsOf() {
        return pricesAsOf;
    }

    /** The price of {@code model}, tolerant of provider prefixes and dated snapshots. */
    public Optional<ModelPrice> find(String model) {
        return findEntry(model).map(Entry::price);
    }

    /** The table entry for {@code model}, resolved as in {@link #find(String)}. */
    public Optional<Entry> findEntry(String model) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        String key = model.trim().toLowerCase(Locale.ROOT);
        Entry found = lookup(key);
        int firstSlash = key.indexOf('/');
        if (found == null && firstSlash >= 0) {
            found = lookup(key.substring(firstSlash + 1));
            int lastSlash = key.lastIndexOf('/');
            if (found == null && lastSlash != firstSlash) {
                found = lookup(key.substring(lastSlash + 1));
            }
        }
        return Optional.ofNullable(found);
    }

    private Entry lookup(String key) {
        Entry exact = exact(key);
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
        Entry stripped = exact(base);
        return stripped != null ? stripped : exact(base + LATEST);
    }

    private Entry exact(String key) {
        Entry e = models.get(key);
        if (e == null) {
            String target = aliases.get(key);
            if (target != null) {
                e = models.get(target);
            }
        }
        return e;
    }
}
