package dev.tollgate.testing.anthropic;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** Answers {@code POST /v1/messages} for {@link FakeAnthropic}; one instance per connection. */
final class FakeAnthropicHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong IDS = new AtomicLong();

    private final FakeAnthropicOptions options;
    private final List<FakeAnthropic.Recorded> log;

    FakeAnthropicHandler(FakeAnthropicOptions options, List<FakeAnthropic.Recorded> log) {
        this.options = options;
        this.log = log;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
        Map<String, String> headers = new HashMap<>();
        req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        String body = req.content().toString(UTF_8);
        String path = req.uri();
        log.add(new FakeAnthropic.Recorded(path, Map.copyOf(headers), body));
        if (!path.equals("/v1/messages")) {
            error(ctx, 404, "not_found_error", "Not found");
            return;
        }
        if (headers.get("x-api-key") == null) {
            error(ctx, 401, "authentication_error", "x-api-key header is required");
            return;
        }
        if (headers.get("anthropic-version") == null) {
            error(ctx, 400, "invalid_request_error", "anthropic-version: header is required");
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (Exception e) {
            error(ctx, 400, "invalid_request_error", "There was an issue with the request body: not valid JSON");
            return;
        }
        String invalid = validate(request);
        if (invalid != null) {
            error(ctx, 400, "invalid_request_error", invalid);
            return;
        }
        if (options.failure() == FakeAnthropicOptions.Failure.HTTP_ERROR) {
            error(ctx, options.errorStatus(), options.errorType(), "Simulated " + options.errorType());
            return;
        }
        Answer answer = answer(request);
        if (request.path("stream").asBoolean(false)) {
            stream(ctx, request, answer);
        } else {
            ObjectNode message = message(request, answer);
            respond(ctx, 200, JSON.writeValueAsBytes(message));
        }
    }

    /** The checks the real API makes that a translation could get wrong; null when the request passes. */
    private static String validate(JsonNode r) {
        if (!r.path("model").isTextual()) {
            return "model: Field required";
        }
        if (!r.path("max_tokens").canConvertToInt()) {
            return "max_tokens: Field required";
        }
        JsonNode messages = r.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            return "messages: at least one message is required";
        }
        if (r.has("system") && !r.get("system").isTextual() && !r.get("system").isArray()) {
            return "system: Input should be a valid string or list";
        }
        String previous = "assistant";
        Set<String> toolUses = new HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                return "messages." + i + ".role: Input should be 'user' or 'assistant'";
            }
            if (role.equals(previous)) {
                return "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"" + role
                        + "\" roles in a row";
            }
            previous = role;
            for (JsonNode block : m.path("content")) {
                String type = block.path("type").asText("");
                if (type.equals("tool_use")) {
                    toolUses.add(block.path("id").asText());
                    if (!block.path("input").isObject()) {
                        return "messages." + i + ".content: tool_use.input: Input should be a valid dictionary";
                    }
                } else if (type.equals("tool_result")
                        && !toolUses.contains(block.path("tool_use_id").asText())) {
                    return "messages." + i + ".content: unexpected `tool_use_id` found in `tool_result` blocks";
                } else if (type.equals("text") && block.path("text").asText("").isEmpty()) {
                    return "messages." + i + ".content: text content blocks must be non-empty";
                }
            }
        }
        if (!messages.get(0).path("role").asText().equals("user")) {
            return "messages: first message must use the \"user\" role";
        }
        return null;
    }

    /** What the fake says to a request. */
    private record Answer(List<String> pieces, String toolName, String stopReason, String stopSequence) {}

    private Answer answer(JsonNode request) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < options.textPieces(); i++) {
            pieces.add(FakeAnthropicOptions.piece(i));
        }
        JsonNode messages = request.path("messages");
        JsonNode lastContent = messages.get(messages.size() - 1).path("content");
        boolean answersToolResult = lastContent.isArray()
                && lastContent.size() > 0
                && lastContent.get(0).path("type").asText().equals("tool_result");
        JsonNode tools = request.path("tools");
        if (tools.isArray()
                && !tools.isEmpty()
                && !answersToolResult
                && !request.path("tool_choice").path("type").asText("").equals("none")) {
            return new Answer(pieces, tools.get(0).path("name").asText(), "tool_use", null);
        }
        JsonNode stops = request.path("stop_sequences");
        if (stops.isArray() && !stops.isEmpty()) {
            return new Answer(pieces, null, "stop_sequence", stops.get(0).asText());
        }
        if (request.path("max_tokens").asInt() < options.outputTokens()) {
            return new Answer(pieces, null, "max_tokens", null);
        }
        return new Answer(pieces, null, "end_turn", null);
    }

    private static final String TOOL_INPUT = "{\"location\":\"Paris\"}";

    private ObjectNode message(JsonNode request, Answer a) throws Exception {
        ObjectNode m = JSON.createObjectNode();
        m.put("id", "msg_fake" + IDS.incrementAndGet());
        m.put("type", "message");
        m.put("role", "assistant");
        m.put("model", request.path("model").asText());
        ArrayNode content = m.putArray("content");
        content.addObject().put("type", "text").put("text", String.join("", a.pieces()));
        if (a.toolName() != null) {
            ObjectNode use = content.addObject();
            use.put("type", "tool_use");
            use.put("id", "toolu_fake" + IDS.incrementAndGet());
            use.put("name", a.toolName());
            use.set("input", JSON.readTree(TOOL_INPUT));
        }
        m.put("stop_reason", a.stopReason());
        if (a.stopSequence() == null) {
            m.putNull("stop_sequence");
        } else {
            m.put("stop_sequence", a.stopSequence());
        }
        ObjectNode usage = m.putObject("usage");
        usage.put("input_tokens", options.inputTokens());
        usage.put("cache_creation_input_tokens", options.cacheWriteTokens());
        usage.put("cache_read_input_tokens", options.cacheReadTokens());
        usage.put("output_tokens", options.outputTokens());
        return m;
    }

    private void stream(ChannelHandlerContext ctx, JsonNode request, Answer a) throws Exception {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.write(head);

        ObjectNode start = message(request, a);
        start.putArray("content");
        start.putNull("stop_reason");
        start.putNull("stop_sequence");
        ((ObjectNode) start.get("usage")).put("output_tokens", 1);
        event(
                ctx,
                "message_start",
                JSON.createObjectNode().put("type", "message_start").set("message", start));
        event(
                ctx,
                "content_block_start",
                JSON.readTree(
                        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        event(ctx, "ping", JSON.readTree("{\"type\": \"ping\"}"));
        FakeAnthropicOptions.Failure failure = options.failure();
        for (int i = 0; i < a.pieces().size(); i++) {
            if (i == options.failAfterPieces() && failure == FakeAnthropicOptions.Failure.CUT_MID_STREAM) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (i == options.failAfterPieces() && failure == FakeAnthropicOptions.Failure.ERROR_MID_STREAM) {
                ObjectNode err = JSON.createObjectNode().put("type", "error");
                err.putObject("error").put("type", options.errorType()).put("message", "Overloaded");
                event(ctx, "error", err);
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            ObjectNode delta =
                    JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta")
                    .put("type", "text_delta")
                    .put("text", a.pieces().get(i));
            event(ctx, "content_block_delta", delta);
        }
        event(ctx, "content_block_stop", JSON.readTree("{\"type\":\"content_block_stop\",\"index\":0}"));
        if (a.toolName() != null) {
            ObjectNode blockStart =
                    JSON.createObjectNode().put("type", "content_block_start").put("index", 1);
            blockStart
                    .putObject("content_block")
                    .put("type", "tool_use")
                    .put("id", "toolu_fake" + IDS.incrementAndGet())
                    .put("name", a.toolName())
                    .putObject("input");
            event(ctx, "content_block_start", blockStart);
            // The input arrives as partial JSON strings that only join into a whole object.
            int cut = TOOL_INPUT.length() / 2;
            for (String partial : new String[] {"", TOOL_INPUT.substring(0, cut), TOOL_INPUT.substring(cut)}) {
                ObjectNode delta = JSON.createObjectNode()
                        .put("type", "content_block_delta")
                        .put("index", 1);
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", partial);
                event(ctx, "content_block_delta", delta);
            }
            event(ctx, "content_block_stop", JSON.readTree("{\"type\":\"content_block_stop\",\"index\":1}"));
        }
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        ObjectNode d = messageDelta.putObject("delta").put("stop_reason", a.stopReason());
        if (a.stopSequence() == null) {
            d.putNull("stop_sequence");
        } else {
            d.put("stop_sequence", a.stopSequence());
        }
        messageDelta.putObject("usage").put("output_tokens", options.outputTokens());
        event(ctx, "message_delta", messageDelta);
        event(ctx, "message_stop", JSON.readTree("{\"type\":\"message_stop\"}"));
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** {@code event: <type>\ndata: <json>\n\n}, as the Messages API frames its events. */
    private static void event(ChannelHandlerContext ctx, String type, JsonNode data) throws Exception {
        byte[] bytes = ("event: " + type + "\ndata: " + JSON.writeValueAsString(data) + "\n\n").getBytes(UTF_8);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
    }

    private static void error(ChannelHandlerContext ctx, int status, String type, String message) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        respond(ctx, status, JSON.writeValueAsBytes(body));
    }

    private static void respond(ChannelHandlerContext ctx, int status, byte[] body) {
        DefaultFullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set("request-id", "req_fake" + IDS.incrementAndGet());
        if (status == 429 || status == 529) {
            res.headers().set(HttpHeaderNames.RETRY_AFTER, "7");
        }
        ctx.writeAndFlush(res);
    }
}
