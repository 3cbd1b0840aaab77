package dev.tollgate.core.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import java.io.IOException;

/**
 * Translates a chat completions {@code messages} array into the Messages API's {@code system}
 * and {@code messages}. Anthropic keeps the system prompt apart, has no {@code tool} role (a tool
 * result is a {@code tool_result} block of a user turn), carries tool calls as {@code tool_use}
 * blocks of the assistant turn, and wants turns to alternate, so consecutive turns of one role
 * are merged.
 */
final class MessagesContent {
    private static final String DATA_URL = "data:";

    private MessagesContent() {}

    /** The text of the system and developer messages, joined by a blank line; null when there are none. */
    static String system(JsonNode messages) {
        StringBuilder out = null;
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (role.equals("system") || role.equals("developer")) {
                out = out == null ? new StringBuilder() : out.append("\n\n");
                out.append(text(m.get("content")));
            }
        }
        return out == null ? null : out.toString();
    }

    /** The conversation turns, without the system messages. */
    static ArrayNode turns(JsonNode messages) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            switch (role) {
                case "system", "developer" -> {}
                case "user" -> append(out, "user", userBlocks(m.get("content"), i));
                case "assistant" -> append(out, "assistant", assistantBlocks(m, i));
                case "tool" -> append(out, "user", toolResult(m, i));
                default -> throw invalid("messages[" + i + "].role: '" + role + "' cannot be sent to Anthropic");
            }
        }
        return out;
    }

    /** Adds blocks to the last turn when it has the same role, else starts a turn. */
    private static void append(ArrayNode turns, String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        JsonNode last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.get("content")).addAll(blocks);
            return;
        }
        ObjectNode turn = turns.addObject();
        turn.put("role", role);
        turn.set("content", blocks);
    }

    private static ArrayNode userBlocks(JsonNode content, int index) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isTextual()) {
            addText(blocks, content.textValue());
            return blocks;
        }
        if (!content.isArray()) {
            throw invalid("messages[" + index + "].content: expected a string or an array of parts");
        }
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> addText(blocks, part.path("text").asText(""));
                case "image_url" -> blocks.add(image(part.path("image_url"), index));
                default ->
                    throw invalid("messages[" + index + "].content: parts of type '" + type
                            + "' cannot be sent to Anthropic (text and image_url can)");
            }
        }
        return blocks;
    }

    /**
     * An image part: a {@code data:} URL becomes a base64 source, any other URL a URL source.
     * The {@code detail} hint has no Anthropic equivalent and is dropped.
     */
    private static ObjectNode image(JsonNode imageUrl, int index) {
        String url = imageUrl.isTextual()
                ? imageUrl.textValue()
                : imageUrl.path("url").asText("");
        ObjectNode block = Json.MAPPER.createObjectNode().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith(DATA_URL)) {
            int semicolon = url.indexOf(";base64,");
            if (semicolon < 0) {
                throw invalid("messages[" + index + "].content: an image data URL must be base64"
                        + " (data:<media type>;base64,<data>)");
            }
            source.put("type", "base64");
            source.put("media_type", url.substring(DATA_URL.length(), semicolon));
            source.put("data", url.substring(semicolon + ";base64,".length()));
        } else {
            source.put("type", "url");
            source.put("url", url);
        }
        return block;
    }

    private static ArrayNode assistantBlocks(JsonNode m, int index) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        JsonNode content = m.get("content");
        if (content != null && !content.isNull()) {
            addText(blocks, text(content));
        }
        for (JsonNode call : m.path("tool_calls")) {
            JsonNode fn = call.path("function");
            ObjectNode use = blocks.addObject();
            use.put("type", "tool_use");
            use.put("id", call.path("id").asText(""));
            use.put("name", fn.path("name").asText(""));
            use.set("input", arguments(fn.path("arguments"), index));
        }
        return blocks;
    }

    /** OpenAI sends a call's arguments as a JSON string; Anthropic wants the object. */
    private static JsonNode arguments(JsonNode arguments, int index) {
        if (arguments.isObject()) {
            return arguments;
        }
        String text = arguments.asText("");
        if (text.isBlank()) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            JsonNode parsed = Json.MAPPER.readTree(text);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (IOException e) {
            // reported below
        }
        throw invalid("messages[" + index + "].tool_calls: function.arguments must be a JSON object");
    }

    private static ArrayNode toolResult(JsonNode m, int index) {
        String id = m.path("tool_call_id").asText("");
        if (id.isEmpty()) {
            throw invalid("messages[" + index + "].tool_call_id: required for a tool message");
        }
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        ObjectNode result = blocks.addObject();
        result.put("type", "tool_result");
        result.put("tool_use_id", id);
        result.put("content", text(m.get("content")));
        return blocks;
    }

    /** Anthropic refuses empty text blocks; an empty string adds nothing. */
    private static void addText(ArrayNode blocks, String text) {
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
    }

    /** The text of a content that is a string or an array of text parts. */
    static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("type").asText("").equals("text")) {
                out.append(part.path("text").asText(""));
            }
        }
        return out.toString();
    }

    static TollgateException invalid(String message) {
        return new TollgateException(ErrorKind.INVALID_REQUEST, message, "messages");
    }
}
