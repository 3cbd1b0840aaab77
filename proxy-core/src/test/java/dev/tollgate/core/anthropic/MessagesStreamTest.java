package dev.tollgate.core.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.Usage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Anthropic stream events as chat completion chunks, event by event. */
class MessagesStreamTest {
    private static final String START =
            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"stop_reason\":null,\"stop_sequence\":null,"
                    + "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":100,"
                    + "\"output_tokens\":1}}}";

    private static List<JsonNode> feed(MessagesStream s, String... events) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String e : events) {
            for (String chunk : s.onEvent(Json.MAPPER.readTree(e))) {
                out.add(Json.MAPPER.readTree(chunk));
            }
        }
        return out;
    }

    @Test
    void textToolUseFinishAndTheUsageChunk() throws Exception {
        MessagesStream s = new MessagesStream(1700000000);
        List<JsonNode> chunks = feed(
                s,
                START,
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "{\"type\": \"ping\"}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
                "{\"type\":\"content_block_stop\",\"index\":0}",
                "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"toolu_1\",\"name\":\"weather\",\"input\":{}}}",
                "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                        + "\"partial_json\":\"{\\\"city\\\":\"}}",
                "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                        + "\"partial_json\":\"\\\"Paris\\\"}\"}}",
                "{\"type\":\"content_block_stop\",\"index\":1}");
        assertThat(s.outputReported()).isFalse();
        chunks.addAll(feed(
                s,
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                        + "\"usage\":{\"output_tokens\":30}}",
                "{\"type\":\"message_stop\"}"));
        assertThat(chunks).hasSize(6);
        assertThat(chunks.get(0).at("/choices/0/delta")).isEqualTo(json("{\"role\":\"assistant\",\"content\":\"\"}"));
        assertThat(chunks.get(0).get("id").asText()).isEqualTo("msg_1");
        assertThat(chunks.get(0).get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(chunks.get(0).get("model").asText()).isEqualTo("claude-x");
        assertThat(chunks.get(1).at("/choices/0/delta")).isEqualTo(json("{\"content\":\"Hi\"}"));
        assertThat(chunks.get(2).at("/choices/0/delta")).isEqualTo(json("""
                {"tool_calls":[{"index":0,"id":"toolu_1","type":"function",
                                "function":{"name":"weather","arguments":""}}]}"""));
        assertThat(chunks.get(3).at("/choices/0/delta"))
                .isEqualTo(json("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}"));
        assertThat(chunks.get(5).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(s.finished()).isTrue();
        assertThat(s.outputReported()).isTrue();
        assertThat(s.usage()).isEqualTo(new Usage(130, 30, 100, false, 5));
        assertThat(s.usageChunk()).isEqualTo(json("""
                {"id":"msg_1","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":[],
                 "usage":{"prompt_tokens":130,"completion_tokens":30,"total_tokens":160,
                          "prompt_tokens_details":{"cached_tokens":100},"cache_creation_input_tokens":5}}""").toString());
    }

    @Test
    void anErrorEventIsReportedWithItsMappedStatus() throws Exception {
        MessagesStream s = new MessagesStream(0);
        feed(s, START, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        assertThat(s.error()).isNotNull();
        assertThat(s.error().status()).isEqualTo(503);
        assertThat(s.error().getMessage()).isEqualTo("Anthropic overloaded_error: Overloaded");
        assertThat(s.finished()).isFalse();
        assertThat(s.outputReported()).isFalse();
        assertThat(s.usage().promptTokens())
                .as("the prompt is known from message_start")
                .isEqualTo(130);
    }

    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }
}
