package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.usage.TokenEstimator;

/** Local token counts, used when the upstream reports no usage and for the mock provider. */
final class Tokens {
    /**
     * Above this body size a call's prompt is not tokenised locally. Counting runs on the event
     * loop: a 400 KB prompt (about 100,000 tokens) takes 10 to 80 ms there, over a second before
     * the tokeniser is warm, and every other connection of the loop waits meanwhile. A client that
     * hangs up during such calls would stall all the others.
     */
    static final int LOCAL_PROMPT_COUNT_MAX_BYTES = 64 * 1024;
    /** Body bytes per prompt token for larger bodies (ordinary English text is about 4 characters a token). */
    static final int BODY_BYTES_PER_TOKEN = 4;

    private Tokens() {}

    /**
     * The prompt tokens of {@code request} when the upstream reported none: counted by the
     * tokeniser up to {@link #LOCAL_PROMPT_COUNT_MAX_BYTES}, estimated from the body's size above
     * (without reading the body again).
     */
    static long prompt(CompletionRequest request) {
        if (request.bodyBytes() > LOCAL_PROMPT_COUNT_MAX_BYTES) {
            return request.bodyBytes() / BODY_BYTES_PER_TOKEN;
        }
        return request.kind() != CompletionRequest.Kind.EMBEDDING
                ? prompt(request.model(), request.messages())
                : text(request.model(), String.valueOf(request.input()));
    }

    static long prompt(String model, JsonNode messages) {
        return TokenEstimator.countPromptTokens(model, messages);
    }

    static long text(String model, String text) {
        return text == null || text.isEmpty() ? 0 : TokenEstimator.countText(model, text);
    }
}
