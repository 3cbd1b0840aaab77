package dev.tollgate.core.money;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money is held as whole nano-dollars (1e-9 USD) in a {@code long}: exact sums in Java, Redis
 * and SQL alike. Prices are held as pico-dollars per token, since some list prices are
 * fractions of a nano-dollar. USD numbers appear only at the JSON edge.
 */
public final class Money {
    public static final long NANOS_PER_USD = 1_000_000_000L;
    private static final BigDecimal NANOS = BigDecimal.valueOf(NANOS_PER_USD);
    private static final BigDecimal PICOS = BigDecimal.valueOf(1_000_000_000_000L);

    private Money() {}

    /** USD amount (e.g. a budget) to nano-dollars, rounded half-even once. */
    public static long usdToNanos(BigDecimal usd) {
        return usd.multiply(NANOS).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    }

    /** USD per token to pico-dollars per token (exact for list prices down to 1e-12). */
    public static long usdPerTokenToPicos(BigDecimal usdPerToken) {
        return usdPerToken.multiply(PICOS).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    }

    /** Nano-dollars as an exact decimal USD value for JSON (no binary floating point). */
    public static BigDecimal nanosToUsd(long nanos) {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
    }

    /** Nano-dollars as a plain decimal string, e.g. {@code 0.001413}. */
    public static String format(long nanos) {
        BigDecimal usd = nanosToUsd(nanos);
        return usd.signum() == 0 ? "0.0" : usd.toPlainString();
    }

    /**
     * Cost of a call in nano-dollars: tokens times pico-dollar prices, summed exactly and
     * rounded once (half-even) to whole nano-dollars.
     */
    public static long costNanos(
            long promptTokens,
            long inputPicos,
            long completionTokens,
            long outputPicos,
            long cachedTokens,
            long cachedPicos) {
        return costNanos(promptTokens, inputPicos, completionTokens, outputPicos, cachedTokens, cachedPicos, 0, 0);
    }

    /**
     * As above, with {@code cacheWriteTokens} of the prompt written to the provider's cache at
     * their own price. Cache reads and writes are parts of {@code promptTokens}; what remains is
     * charged at the input price.
     */
    public static long costNanos(
            long promptTokens,
            long inputPicos,
            long completionTokens,
            long outputPicos,
            long cachedTokens,
            long cachedPicos,
            long cacheWriteTokens,
            long cacheWritePicos) {
        long read = Math.min(cachedTokens, promptTokens);
        long written = Math.min(cacheWriteTokens, promptTokens - read);
        long uncachedPrompt = Math.max(0, promptTokens - read - written);
        BigDecimal picos = BigDecimal.valueOf(uncachedPrompt)
                .multiply(BigDecimal.valueOf(inputPicos))
                .add(BigDecimal.valueOf(completionTokens).multiply(BigDecimal.valueOf(outputPicos)))
                .add(BigDecimal.valueOf(read).multiply(BigDecimal.valueOf(cachedPicos)))
                .add(BigDecimal.valueOf(written).multiply(BigDecimal.valueOf(cacheWritePicos)));
        return picos.divide(BigDecimal.valueOf(1000), 0, RoundingMode.HALF_EVEN).longValueExact();
    }
}
