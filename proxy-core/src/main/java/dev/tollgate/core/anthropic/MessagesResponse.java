package dev.tollgate.core.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.Usage;

/**
 * Translates a Messages API response (a {@code message}) into a {@code chat.completion} (a pure
 * function): text blocks become the message content, {@code tool_use} blocks its
 * {@code tool_calls} (input as a JSON string), the stop reason its {@code finish_reason}, and the
 * usage OpenAI's (see {@link AnthropicUsage}). Thinking blocks are not returned.
 */
public final class MessagesResponse {
    private MessagesResponse() {}

    public static ObjectNode toChat(JsonNode message, long createdSeconds) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", message.path("id").asText(""));
        out.put("object", "chat.completion");
        out.put("created", createdSeconds);
        out.put("model", message.path("model").asText(""));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        StringBuilder text = null;
        ArrayNode calls = null;
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText("")) {
                case "text" -> {
                    text = text == null ? new StringBuilder() : text;
                    text.append(block.path("text").asText(""));
                }
                case "tool_use" -> {
                    calls = calls == null ? Json.MAPPER.createArrayNode() : calls;
                    ObjectNode call = calls.addObject();
                    call.put("id", block.path("id").asText(""));
                    call.put("type", "function");
                    call.putObject("function")
                            .put("name", block.path("name").asText(""))
                            .put("arguments", Json.string(block.path("input")));
                }
                default -> {}
            }
        }
        if (text == null) {
            msg.putNull("content");
        } else {
            msg.put("content", text.toString());
        }
        if (calls != null) {
            msg.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put(
                "finish_reason",
                StopReasons.finishReason(message.path("stop_reason").asText(null)));
        out.set("usage", AnthropicUsage.openAi(usage(message)));
        return out;
    }

    public static Usage usage(JsonNode message) {
        return AnthropicUsage.of(message.path("usage"));
    }

    /** The text of a message's text blocks, for a local count when it reports no usage. */
    public static String text(JsonNode message) {
        StringBuilder out = new StringBuilder();
        for (JsonNode block : message.path("content")) {
            if (block.path("type").asText("").equals("text")) {
                out.append(block.path("text").asText(""));
            }
        }
        return out.toString();
    }
}
