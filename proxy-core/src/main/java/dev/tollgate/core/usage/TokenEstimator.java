package dev.tollgate.core.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Local token counts, used to size reservations before a call and to charge a stream that broke
 * before its usage arrived. Estimates follow OpenAI's published counting recipe; they are exact
 * for plain text and close for chat prompts.
 */
public final class TokenEstimator {
    /** Per-message overhead of the chat format ({@code <|start|>role ... <|end|>}). */
    static final int TOKENS_PER_MESSAGE = 3;
    /** Every reply is primed with {@code <|start|>assistant<|message|>}. */
    static final int REPLY_PRIMING_TOKENS = 3;
    /** A message's {@code name} costs one token on top of its text. */
    static final int TOKENS_PER_NAME = 1;

    private TokenEstimator() {}

    /** Loading BPE ranks takes time and memory: one registry, each encoding loaded on its first use. */
    private static final class Registry {
        static final EncodingRegistry INSTANCE = Encodings.newLazyEncodingRegistry();
    }

    private static final class O200k {
        static final Encoding ENCODING = Registry.INSTANCE.getEncoding(EncodingType.O200K_BASE);
    }

    private static final class Cl100k {
        static final Encoding ENCODING = Registry.INSTANCE.getEncoding(EncodingType.CL100K_BASE);
    }

    /** Tokens of {@code text} in the model's encoding; special-token text counts as ordinary text. */
    public static long countText(String model, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encodingFor(model).countTokensOrdinary(text);
    }

    /**
     * Prompt tokens of a chat {@code messages} array: per message the overhead, role, name, the
     * content (a string, or the text parts of a content array) and tool calls as JSON text; plus the
     * reply priming. Returns 0 for a missing or non-array node.
     */
    public static long countPromptTokens(String model, JsonNode messages) {
        if (messages == null || !messages.isArray()) {
            return 0;
        }
        Encoding encoding = encodingFor(model);
        long tokens = REPLY_PRIMING_TOKENS;
        for (JsonNode message : messages) {
            tokens += TOKENS_PER_MESSAGE;
            tokens += countTextNode(encoding, message.get("role"));
            JsonNode name = message.get("name");
            if (name != null && name.isTextual()) {
                tokens += TOKENS_PER_NAME + count(encoding, name.textValue());
            }
            tokens += countContent(encoding, message.get("content"));
            JsonNode toolCalls = message.get("tool_calls");
            if (toolCalls != null && !toolCalls.isNull()) {
                tokens += count(encoding, toolCalls.toString());
            }
        }
        return tokens;
    }

    private static long countContent(Encoding encoding, JsonNode content) {
        if (content == null) {
            return 0;
        }
        if (content.isTextual()) {
            return count(encoding, content.textValue());
        }
        long tokens = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                // {"type":"text","text":"..."}; images and audio are not text and are not estimated here.
                tokens += countTextNode(encoding, part.get("text"));
            }
        }
        return tokens;
    }

    private static long countTextNode(Encoding encoding, JsonNode node) {
        return node != null && node.isTextual() ? count(encoding, node.textValue()) : 0;
    }

    private static long count(Encoding encoding, String text) {
        return text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    /** {@code o200k_base} for the GPT-4o/4.1/5 and o-series families, {@code cl100k_base} otherwise. */
    static Encoding encodingFor(String model) {
        return usesO200k(model) ? O200k.ENCODING : Cl100k.ENCODING;
    }

    static boolean usesO200k(String model) {
        if (model == null) {
            return false;
        }
        // "openai/gpt-4o", "azure/gpt-4o-mini": only the last path segment names the model.
        String m = model.substring(model.lastIndexOf('/') + 1);
        return m.startsWith("gpt-4o")
                || m.startsWith("chatgpt-4o")
                || m.startsWith("gpt-4.1")
                || m.startsWith("gpt-5")
                || m.startsWith("o1")
                || m.startsWith("o3")
                || m.startsWith("o4");
    }
}
