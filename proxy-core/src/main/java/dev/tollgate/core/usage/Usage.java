package dev.tollgate.core.usage;

/**
 * Token usage of one call.
 *
 * @param cachedTokens     prompt tokens read from the provider's cache (part of promptTokens)
 * @param estimated        true when counted locally (stream cut, upstream sent no usage)
 * @param cacheWriteTokens prompt tokens written to the provider's cache (part of promptTokens; Anthropic
 *                         reports and prices them apart)
 */
public record Usage(
        long promptTokens, long completionTokens, long cachedTokens, boolean estimated, long cacheWriteTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0, false);

    /** Usage without cache writes: what OpenAI-compatible providers report. */
    public Usage(long promptTokens, long completionTokens, long cachedTokens, boolean estimated) {
        this(promptTokens, completionTokens, cachedTokens, estimated, 0);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
