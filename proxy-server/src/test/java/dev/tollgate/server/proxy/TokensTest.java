package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.usage.TokenEstimator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A call's prompt is counted locally only when the upstream reports no usage (or the client hung
 * up). Small prompts are tokenised; a large one is estimated from the body's size without being
 * read again, so the event loop is not held by tokenising 100,000 tokens.
 */
class TokensTest {
    private static CompletionRequest request(String prompt) {
        String json = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        ByteBuf content = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return CompletionRequest.parse(CompletionRequest.Kind.CHAT, content);
        } finally {
            content.release();
        }
    }

    @Test
    void aSmallPromptIsTokenised() {
        CompletionRequest r = request("Write one short sentence about toll gates.");
        try {
            assertThat(Tokens.prompt(r)).isEqualTo(TokenEstimator.countPromptTokens("gpt-4o", r.messages()));
        } finally {
            r.release();
        }
    }

    @Test
    void aLargePromptIsEstimatedFromItsSizeWithoutReadingTheBody() {
        CompletionRequest r = request("The toll gate opens at dawn and closes at dusk. ".repeat(8_400));
        int bytes = r.bodyBytes();
        assertThat(bytes).isGreaterThan(Tokens.LOCAL_PROMPT_COUNT_MAX_BYTES);
        // Released first: reading the messages now would throw, so the estimate cannot have read them.
        r.release();
        assertThat(Tokens.prompt(r)).isEqualTo(bytes / Tokens.BODY_BYTES_PER_TOKEN);
    }
}
