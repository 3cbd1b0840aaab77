package dev.tollgate.testing.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The few request fields the fake acts on, read from a chat or embeddings body. Everything else
 * in the body is ignored (and kept verbatim in {@link RecordedRequest#body()}).
 *
 * @param model        the {@code model} field, or {@code null} when absent
 * @param stream       {@code "stream": true}
 * @param includeUsage {@code "stream_options": {"include_usage": true}}
 * @param maxTokens    the smaller of {@code max_tokens} and {@code max_completion_tokens}, or -1
 * @param promptChars  characters of prompt text: message contents (strings or text parts) or
 *                     embedding inputs
 * @param inputs       number of embedding inputs (1 for a string input)
 */
record ParsedBody(String model, boolean stream, boolean includeUsage, int maxTokens, long promptChars, int inputs) {

    /** Parses with the shared mapper; throws on malformed JSON or a non-object document. */
    static ParsedBody parse(String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        JsonNode root = FakeJson.parse(bytes);
        if (!root.isObject()) {
            throw new IOException("request body must be a JSON object");
        }
        JsonNode model = root.get("model");
        boolean stream = root.path("stream").asBoolean(false);
        boolean includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);
        int maxTokens = minPresent(root.get("max_tokens"), root.get("max_completion_tokens"));
        long chars = 0;
        for (JsonNode message : root.path("messages")) {
            chars += textLength(message.get("content"));
        }
        JsonNode input = root.get("input");
        int inputs = 0;
        if (input != null && input.isArray()) {
            inputs = input.size();
            for (JsonNode item : input) {
                chars += textLength(item);
            }
        } else if (input != null && !input.isNull()) {
            inputs = 1;
            chars += textLength(input);
        }
        return new ParsedBody(
                model != null && model.isTextual() ? model.asText() : null,
                stream,
                includeUsage,
                maxTokens,
                chars,
                Math.max(inputs, 1));
    }

    /** Prompt tokens the way the fake counts them: ceil(chars / 4), at least 1. */
    int derivedPromptTokens() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (promptChars + 3) / 4));
    }

    /** A string's length, the text parts of a content array, or 0. */
    private static long textLength(JsonNode content) {
        if (content == null) {
            return 0;
        }
        if (content.isTextual()) {
            return content.asText().length();
        }
        long total = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                total += part.isTextual()
                        ? part.asText().length()
                        : part.path("text").asText("").length();
            }
        }
        return total;
    }

    private static int minPresent(JsonNode a, JsonNode b) {
        int result = -1;
        for (JsonNode node : new JsonNode[] {a, b}) {
            if (node != null && node.canConvertToInt()) {
                int value = Math.max(0, node.asInt());
                result = result < 0 ? value : Math.min(result, value);
            }
        }
        return result;
    }
}
