package dev.tollgate.core.usage;

/**
 * Token usage of one call.
 *
 * @param cachedTokens prompt tokens served from the provider's cache (part of promptTokens)
 * @param estimated    true when counted locally (stream cut, upstream sent no usage)
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens, boolean estimated) {
    public static final Usage ZERO = new Usage(0, 0, 0, false);

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
