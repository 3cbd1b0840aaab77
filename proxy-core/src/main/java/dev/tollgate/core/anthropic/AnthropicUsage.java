package dev.tollgate.core.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.Usage;

/**
 * Anthropic's usage object in Tollgate's and OpenAI's terms. Anthropic's {@code input_tokens}
 * excludes the prompt tokens read from ({@code cache_read_input_tokens}) and written to
 * ({@code cache_creation_input_tokens}) the cache; OpenAI's {@code prompt_tokens} includes
 * cached tokens, so the prompt is the sum of the three and the cache reads are its
 * {@code cached_tokens}.
 */
public final class AnthropicUsage {
    private AnthropicUsage() {}

    /** Reported usage from the fields present (missing ones count 0). */
    public static Usage of(long input, long cacheRead, long cacheWrite, long output) {
        return new Usage(input + cacheRead + cacheWrite, output, cacheRead, false, cacheWrite);
    }

    public static long count(JsonNode usage, String field) {
        JsonNode v = usage == null ? null : usage.get(field);
        return v != null && v.canConvertToLong() ? Math.max(0, v.asLong()) : 0;
    }

    /** An Anthropic {@code usage} object as {@link Usage}. */
    public static Usage of(JsonNode usage) {
        return of(
                count(usage, "input_tokens"),
                count(usage, "cache_read_input_tokens"),
                count(usage, "cache_creation_input_tokens"),
                count(usage, "output_tokens"));
    }

    /** The OpenAI {@code usage} object of {@code u}, with the cache writes in Anthropic's own field. */
    public static ObjectNode openAi(Usage u) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("prompt_tokens", u.promptTokens());
        out.put("completion_tokens", u.completionTokens());
        out.put("total_tokens", u.totalTokens());
        out.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        if (u.cacheWriteTokens() > 0) {
            out.put("cache_creation_input_tokens", u.cacheWriteTokens());
        }
        return out;
    }
}
