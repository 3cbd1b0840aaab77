package dev.tollgate.core.routing;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * How long a retry waits. The upstream's own {@code retry-after-ms} / {@code retry-after} wins when
 * it is at most 60 s (the bound LiteLLM and the OpenAI SDKs honour; a longer one means "not soon"
 * and would hold the client's connection). Otherwise exponential backoff from 0.5 s, doubling per
 * retry, capped at 8 s, minus up to 25 % jitter so that a fleet's retries do not arrive together.
 */
public final class RetryDelay {
    static final long INITIAL_MS = 500;
    static final long MAX_BACKOFF_MS = 8_000;
    static final long MAX_RETRY_AFTER_MS = 60_000;

    private RetryDelay() {}

    /**
     * @param retryIndex   0 for the first retry
     * @param retryAfterMs what the upstream asked for, negative when it said nothing
     * @param random       uniform in [0, 1), the jitter
     */
    public static long millis(int retryIndex, long retryAfterMs, double random) {
        if (retryAfterMs >= 0 && retryAfterMs <= MAX_RETRY_AFTER_MS) {
            return retryAfterMs;
        }
        long backoff = INITIAL_MS << Math.min(retryIndex, 16);
        backoff = Math.min(backoff, MAX_BACKOFF_MS);
        return backoff - (long) (backoff * 0.25 * random);
    }

    /**
     * The wait an upstream answer asks for: {@code retry-after-ms}, else {@code retry-after} in
     * seconds (fractions allowed) or as an HTTP date. Negative when absent or unreadable.
     */
    public static long requestedMillis(Function<String, String> header, long nowMs) {
        String ms = header.apply("retry-after-ms");
        if (ms != null) {
            try {
                double v = Double.parseDouble(ms.trim());
                if (v >= 0 && !Double.isInfinite(v)) {
                    return (long) v;
                }
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        String after = header.apply("retry-after");
        if (after == null) {
            return -1;
        }
        try {
            double seconds = Double.parseDouble(after.trim());
            return seconds >= 0 && !Double.isInfinite(seconds) ? (long) (seconds * 1000) : -1;
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(after.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return Math.max(0, at.toEpochMilli() - nowMs);
            } catch (DateTimeParseException notDate) {
                return -1;
            }
        }
    }
}
