package dev.tollgate.core.money;

/**
 * Per-token prices of one deployment, in pico-dollars. {@code free} marks a model priced at zero
 * on purpose; a model with no price at all is a configuration error, never a silent zero.
 *
 * @param maxOutputTokens  the model's output limit, used to size budget reservations (0 = unknown)
 * @param cacheWritePicos  price of a prompt token written to the provider's cache (Anthropic's cache
 *                         creation); the input price when the catalogue lists none
 */
public record ModelPrice(
        long inputPicos,
        long outputPicos,
        long cachedInputPicos,
        boolean free,
        int maxOutputTokens,
        long cacheWritePicos) {
    public static final ModelPrice FREE = new ModelPrice(0, 0, 0, true, 0);

    /** A price without its own cache-write rate: cache writes cost the input price. */
    public ModelPrice(long inputPicos, long outputPicos, long cachedInputPicos, boolean free, int maxOutputTokens) {
        this(inputPicos, outputPicos, cachedInputPicos, free, maxOutputTokens, inputPicos);
    }

    public ModelPrice withMaxOutputTokens(int maxOutput) {
        return new ModelPrice(inputPicos, outputPicos, cachedInputPicos, free, maxOutput, cacheWritePicos);
    }

    public long cost(long promptTokens, long completionTokens, long cachedTokens) {
        return cost(promptTokens, completionTokens, cachedTokens, 0);
    }

    /** The cost of a call whose prompt includes {@code cachedTokens} read from and {@code cacheWriteTokens} written to the cache. */
    public long cost(long promptTokens, long completionTokens, long cachedTokens, long cacheWriteTokens) {
        if (free) {
            return 0;
        }
        return Money.costNanos(
                promptTokens,
                inputPicos,
                completionTokens,
                outputPicos,
                cachedTokens,
                cachedInputPicos,
                cacheWriteTokens,
                cacheWritePicos);
    }
}
