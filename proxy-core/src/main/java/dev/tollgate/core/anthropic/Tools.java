package dev.tollgate.core.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;

/**
 * Translates chat completions {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}
 * into the Messages API's {@code tools} (name, description, {@code input_schema}) and
 * {@code tool_choice} ({@code auto}, {@code any}, {@code tool}, {@code none}).
 */
final class Tools {
    private Tools() {}

    static void translate(JsonNode chat, ObjectNode out) {
        JsonNode tools = chat.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode list = out.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                JsonNode t = tools.get(i);
                if (!t.path("type").asText("function").equals("function")) {
                    throw new TollgateException(
                            ErrorKind.INVALID_REQUEST,
                            "tools[" + i + "]: only function tools can be sent to Anthropic",
                            "tools");
                }
                JsonNode fn = t.path("function");
                ObjectNode tool = list.addObject();
                tool.put("name", fn.path("name").asText(""));
                if (fn.hasNonNull("description")) {
                    tool.put("description", fn.get("description").asText());
                }
                JsonNode schema = fn.get("parameters");
                if (schema == null || !schema.isObject()) {
                    tool.putObject("input_schema").put("type", "object").putObject("properties");
                } else {
                    tool.set("input_schema", schema);
                }
            }
        }
        ObjectNode choice = choice(chat.get("tool_choice"));
        if (chat.path("parallel_tool_calls").isBoolean()
                && !chat.get("parallel_tool_calls").asBoolean()) {
            if (choice == null) {
                choice = out.objectNode().put("type", "auto");
            }
            if (!choice.path("type").asText().equals("none")) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (choice != null && out.has("tools")) {
            out.set("tool_choice", choice);
        }
    }

    private static ObjectNode choice(JsonNode toolChoice) {
        if (toolChoice == null || toolChoice.isNull()) {
            return null;
        }
        ObjectNode c = Json.MAPPER.createObjectNode();
        if (toolChoice.isTextual()) {
            switch (toolChoice.textValue()) {
                case "auto" -> c.put("type", "auto");
                case "required" -> c.put("type", "any");
                case "none" -> c.put("type", "none");
                default ->
                    throw new TollgateException(
                            ErrorKind.INVALID_REQUEST,
                            "tool_choice: expected auto, required, none or a function, got '" + toolChoice.textValue()
                                    + "'",
                            "tool_choice");
            }
            return c;
        }
        String name = toolChoice.path("function").path("name").asText("");
        if (name.isEmpty()) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST, "tool_choice: a function choice needs function.name", "tool_choice");
        }
        return c.put("type", "tool").put("name", name);
    }
}
