package dev.tollgate.core.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.Usage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates one Messages API event stream into {@code chat.completion.chunk}s, event by event
 * (one instance per stream; not thread-safe). {@code message_start} gives the id, model and prompt
 * usage and becomes the role chunk; text and tool input deltas become content and
 * {@code tool_calls} deltas; {@code message_delta} gives the finish reason and the output usage;
 * {@code message_stop} ends the stream; an {@code error} event ends it with that error. Pings and
 * thinking deltas produce nothing.
 */
public final class MessagesStream {
    private final long created;
    private String id = "";
    private String model = "";
    private long input;
    private long cacheRead;
    private long cacheWrite;
    private long output;
    private boolean outputReported;
    private boolean finished;
    private TollgateException error;
    /** Anthropic content block index → OpenAI tool call index. */
    private final Map<Integer, Integer> toolIndex = new HashMap<>();

    private final StringBuilder text = new StringBuilder();

    public MessagesStream(long createdSeconds) {
        this.created = createdSeconds;
    }

    /** The chunks (JSON text) one event translates to; none for most bookkeeping events. */
    public List<String> onEvent(JsonNode event) {
        List<String> out = new ArrayList<>(1);
        switch (event.path("type").asText("")) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                id = message.path("id").asText("");
                model = message.path("model").asText("");
                readUsage(message.path("usage"));
                out.add(chunk(delta().put("role", "assistant").put("content", ""), null));
            }
            case "content_block_start" -> {
                JsonNode block = event.path("content_block");
                if (block.path("type").asText("").equals("tool_use")) {
                    int index = toolIndex.size();
                    toolIndex.put(event.path("index").asInt(), index);
                    ObjectNode call = Json.MAPPER.createObjectNode();
                    call.put("index", index);
                    call.put("id", block.path("id").asText(""));
                    call.put("type", "function");
                    call.putObject("function")
                            .put("name", block.path("name").asText(""))
                            .put("arguments", "");
                    ObjectNode d = delta();
                    d.putArray("tool_calls").add(call);
                    out.add(chunk(d, null));
                } else if (block.path("type").asText("").equals("text")
                        && !block.path("text").asText("").isEmpty()) {
                    out.add(content(block.path("text").asText()));
                }
            }
            case "content_block_delta" -> {
                JsonNode d = event.path("delta");
                switch (d.path("type").asText("")) {
                    case "text_delta" -> out.add(content(d.path("text").asText("")));
                    case "input_json_delta" -> {
                        Integer index = toolIndex.get(event.path("index").asInt());
                        if (index != null) {
                            String partial = d.path("partial_json").asText("");
                            text.append(partial);
                            ObjectNode call = Json.MAPPER.createObjectNode().put("index", index);
                            call.putObject("function").put("arguments", partial);
                            ObjectNode delta = delta();
                            delta.putArray("tool_calls").add(call);
                            out.add(chunk(delta, null));
                        }
                    }
                    default -> {} // thinking and signature deltas are not relayed
                }
            }
            case "message_delta" -> {
                readUsage(event.path("usage"));
                outputReported |= event.path("usage").has("output_tokens");
                String reason = StopReasons.finishReason(
                        event.path("delta").path("stop_reason").asText(null));
                if (reason != null) {
                    out.add(chunk(delta(), reason));
                }
            }
            case "message_stop" -> finished = true;
            case "error" -> error = AnthropicErrors.of(0, Json.string(event), null);
            default -> {} // ping, content_block_stop, and event types added later
        }
        return out;
    }

    /** Counts in a usage object; each event carries the counts so far, so later ones replace earlier ones. */
    private void readUsage(JsonNode usage) {
        if (usage.has("input_tokens")) {
            input = AnthropicUsage.count(usage, "input_tokens");
        }
        if (usage.has("cache_read_input_tokens")) {
            cacheRead = AnthropicUsage.count(usage, "cache_read_input_tokens");
        }
        if (usage.has("cache_creation_input_tokens")) {
            cacheWrite = AnthropicUsage.count(usage, "cache_creation_input_tokens");
        }
        if (usage.has("output_tokens")) {
            output = AnthropicUsage.count(usage, "output_tokens");
        }
    }

    private String content(String piece) {
        text.append(piece);
        return chunk(delta().put("content", piece), null);
    }

    private static ObjectNode delta() {
        return Json.MAPPER.createObjectNode();
    }

    private String chunk(ObjectNode delta, String finishReason) {
        ObjectNode c = head();
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return Json.string(c);
    }

    private ObjectNode head() {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        return c;
    }

    /** OpenAI's final usage chunk: no choices, the whole call's usage. */
    public String usageChunk() {
        ObjectNode c = head();
        c.putArray("choices");
        c.set("usage", AnthropicUsage.openAi(usage()));
        return Json.string(c);
    }

    /** {@code message_stop} arrived: the stream ended cleanly. */
    public boolean finished() {
        return finished;
    }

    /** The error an {@code error} event reported, else null. */
    public TollgateException error() {
        return error;
    }

    /** Whether the upstream reported the output count (in {@code message_delta}). */
    public boolean outputReported() {
        return outputReported;
    }

    /** The usage reported so far (the output count is final only once {@link #outputReported()}). */
    public Usage usage() {
        return AnthropicUsage.of(input, cacheRead, cacheWrite, output);
    }

    /** The text and tool input relayed so far, for a local count when the output count never came. */
    public String text() {
        return text.toString();
    }
}
