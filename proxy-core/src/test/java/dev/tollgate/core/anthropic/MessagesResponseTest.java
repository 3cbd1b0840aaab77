package dev.tollgate.core.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.money.ModelPrice;
import dev.tollgate.core.usage.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Messages API answers as chat completions: content, tool calls, stop reasons, usage with cache tokens. */
class MessagesResponseTest {
    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    @Test
    void textAndToolUseBecomeContentAndToolCallsWithCacheTokensInTheUsage() throws Exception {
        JsonNode message = json("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
                 "content":[{"type":"thinking","thinking":"hm","signature":"s"},
                            {"type":"text","text":"Let me check."},
                            {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":3000,
                          "output_tokens":40}}""");
        JsonNode chat = MessagesResponse.toChat(message, 1700000000);
        assertThat(chat.toString()).isEqualTo(json("""
                {"id":"msg_1","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-20250514",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Let me check.",
                   "tool_calls":[{"id":"toolu_1","type":"function",
                                  "function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                   "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":3210,"completion_tokens":40,"total_tokens":3250,
                          "prompt_tokens_details":{"cached_tokens":3000},"cache_creation_input_tokens":200}}""").toString());
        assertThat(MessagesResponse.usage(message)).isEqualTo(new Usage(3210, 40, 3000, false, 200));
    }

    @Test
    void cacheReadsAndWritesArePricedAtTheirOwnRates() {
        // claude-sonnet-4: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million tokens.
        ModelPrice sonnet = new ModelPrice(3_000_000, 15_000_000, 300_000, false, 64000, 3_750_000);
        Usage u = new Usage(3210, 40, 3000, false, 200);
        long nanos = sonnet.cost(u.promptTokens(), u.completionTokens(), u.cachedTokens(), u.cacheWriteTokens());
        // 10 x 3e6 + 3000 x 3e5 + 200 x 3.75e6 + 40 x 1.5e7 picos = 3e7 + 9e8 + 7.5e8 + 6e8 = 2.28e9 picos
        assertThat(nanos).isEqualTo(2_280_000);
    }

    @ParameterizedTest
    @CsvSource({
        "end_turn,stop",
        "stop_sequence,stop",
        "max_tokens,length",
        "tool_use,tool_calls",
        "refusal,content_filter",
        "pause_turn,stop"
    })
    void stopReasons(String stopReason, String finishReason) throws Exception {
        JsonNode chat = MessagesResponse.toChat(
                json("{\"id\":\"m\",\"model\":\"c\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}],"
                        + "\"stop_reason\":\"" + stopReason + "\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}"),
                0);
        assertThat(chat.at("/choices/0/finish_reason").asText()).isEqualTo(finishReason);
        assertThat(chat.at("/choices/0/message").has("tool_calls")).isFalse();
    }
}
