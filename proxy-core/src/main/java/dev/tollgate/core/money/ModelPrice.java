package dev.tollgate.core.money;

/**
 * Per-token prices of one deployment, in pico-dollars. {@code free} marks a model priced at zero
 * on purpose; a model with no price at all is a configuration error, never a silent zero.
 *
 * @param maxOutputTokens the model's output limit, used to size budget reservations (0 = unknown)
 */
public record ModelPrice(long inputPicos, long outputPicos, long cachedInputPicos, boolean free, int maxOutputTokens) {
    public static final ModelPrice FREE = new ModelPrice(0, 0, 0, true, 0);

    public long cost(long promptTokens, long completionTokens, long cachedTokens) {
        if (free) {
            return 0;
        }
        return Money.costNanos(promptTokens, inputPicos, completionTokens, outputPicos, cachedTokens, cachedInputPicos);
    }
}
