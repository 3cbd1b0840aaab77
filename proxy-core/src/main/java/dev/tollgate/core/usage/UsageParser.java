package dev.tollgate.core.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Reads token usage from OpenAI-compatible responses and stream chunks. Tolerant of the variants
 * that compatible servers send (vLLM's {@code prompt_tokens_details: null}, embeddings without
 * {@code completion_tokens}), because a missing count must not fail a call the client already got.
 */
public final class UsageParser {
    private UsageParser() {}

    /**
     * The usage in an OpenAI {@code usage} object; empty when the node is missing, null, not an
     * object, or carries neither {@code prompt_tokens} nor {@code completion_tokens}.
     */
    public static Optional<Usage> fromUsageNode(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return Optional.empty();
        }
        long prompt = count(usage.get("prompt_tokens"));
        long completion = count(usage.get("completion_tokens"));
        if (prompt < 0 && completion < 0) {
            return Optional.empty();
        }
        long cached = 0;
        JsonNode details = usage.get("prompt_tokens_details");
        if (details != null && details.isObject()) {
            cached = Math.max(0, count(details.get("cached_tokens")));
        }
        long p = Math.max(0, prompt);
        return Optional.of(new Usage(p, Math.max(0, completion), Math.min(cached, p), false));
    }

    /**
     * The usage of a whole (non-streaming) response body, read with a streaming parser: only the
     * top-level {@code usage} member becomes a tree; {@code choices} and the rest are skipped
     * token by token without decoding their strings. Empty when the body has no usage.
     *
     * @throws IOException when the body is not a JSON object
     */
    public static Optional<Usage> fromResponseBody(InputStream body) throws IOException {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("response body is not a JSON object");
            }
            Optional<Usage> usage = Optional.empty();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean isUsage = "usage".equals(p.currentName());
                p.nextToken();
                if (isUsage) {
                    usage = fromUsageNode(Json.valueTree(p));
                } else {
                    p.skipChildren();
                }
            }
            return usage;
        }
    }

    /** Views one parsed stream chunk (the JSON after {@code data: }). */
    public static ChunkView viewChunk(JsonNode chunk) {
        JsonNode usageNode = chunk == null ? null : chunk.get("usage");
        JsonNode choices = chunk == null ? null : chunk.get("choices");
        boolean hasUsage = usageNode != null && !usageNode.isNull();
        boolean noChoices = choices == null || choices.isNull() || (choices.isArray() && choices.isEmpty());
        Optional<Usage> usage = hasUsage ? fromUsageNode(usageNode) : Optional.empty();
        if (usage.isEmpty() && chunk != null) {
            // Groq reports a stream's usage on its last content chunk under x_groq when it sends no usage chunk.
            usage = fromUsageNode(chunk.path("x_groq").get("usage"));
        }
        return new ChunkView(usage, contentDelta(choices), hasUsage && noChoices);
    }

    private static String contentDelta(JsonNode choices) {
        if (choices == null || !choices.isArray()) {
            return "";
        }
        // One choice is the common case: return its text without copying.
        String single = null;
        StringBuilder many = null;
        for (JsonNode choice : choices) {
            JsonNode content = choice.path("delta").get("content");
            if (content == null || !content.isTextual() || content.textValue().isEmpty()) {
                continue;
            }
            if (single == null) {
                single = content.textValue();
            } else {
                if (many == null) {
                    many = new StringBuilder(single);
                }
                many.append(content.textValue());
            }
        }
        if (many != null) {
            return many.toString();
        }
        return single == null ? "" : single;
    }

    /** A non-negative token count, or -1 when absent or not an integer. */
    private static long count(JsonNode node) {
        if (node == null || !node.isNumber() || !node.canConvertToLong()) {
            return -1;
        }
        return Math.max(0, node.longValue());
    }
}
