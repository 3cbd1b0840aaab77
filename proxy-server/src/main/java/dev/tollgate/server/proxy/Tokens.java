package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.usage.TokenEstimator;

/** Local token counts, used when the upstream reports no usage and for the mock provider. */
final class Tokens {
    private Tokens() {}

    static long prompt(String model, JsonNode messages) {
        return TokenEstimator.countPromptTokens(model, messages);
    }

    static long text(String model, String text) {
        return text == null || text.isEmpty() ? 0 : TokenEstimator.countText(model, text);
    }
}
