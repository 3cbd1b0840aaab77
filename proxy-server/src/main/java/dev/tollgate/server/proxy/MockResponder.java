package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.sse.SseEvent;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in mock provider: answers with a fixed text and no network, as LiteLLM's
 * {@code mock_response} does. Usage is counted from the messages and the reply, so pricing,
 * budgets and limits behave exactly as with a real provider.
 */
final class MockResponder {
    private MockResponder() {}

    /** Answers {@code request} with {@code text} and reports the end to {@code call}, as a relay would. */
    static void answer(RelayedCall call, Exchange exchange, CompletionRequest request, String text) {
        String model = request.model();
        if (request.kind() == CompletionRequest.Kind.EMBEDDING) {
            Usage usage = new Usage(Tokens.text(model, request.input().toString()), 0, 0, true);
            byte[] body = embedding(model, usage);
            HttpHeaders headers = call.answerHeaders(usage);
            call.end(new Answered(usage, () -> exchange.json(200, body, headers)));
            return;
        }
        Usage usage = new Usage(Tokens.prompt(model, request.messages()), Tokens.text(model, text), 0, true);
        HttpHeaders headers = call.answerHeaders(usage);
        if (!request.stream()) {
            byte[] body = completion(model, text, usage);
            call.end(new Answered(usage, () -> exchange.json(200, body, headers)));
            return;
        }
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        headers.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        exchange.startStream(HttpResponseStatus.OK, headers);
        for (byte[] e : streamEvents(model, text, usage, request.clientWantsUsage())) {
            exchange.writeChunkLater(Unpooled.wrappedBuffer(e));
        }
        exchange.flush();
        call.end(new Answered(usage, exchange::endStream));
    }

    static byte[] completion(String model, String text, Usage usage) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", "chatcmpl-" + CallIds.next());
        root.put("object", "chat.completion");
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", model);
        ArrayNode choices = root.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text);
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        root.set("usage", usageNode(usage));
        root.putNull("system_fingerprint");
        return Json.bytes(root);
    }

    static byte[] embedding(String model, Usage usage) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ObjectNode item = root.putArray("data").addObject();
        item.put("object", "embedding");
        item.put("index", 0);
        ArrayNode vector = item.putArray("embedding");
        for (int i = 0; i < 8; i++) {
            vector.add(0.0);
        }
        root.put("model", model);
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", usage.promptTokens());
        u.put("total_tokens", usage.promptTokens());
        return Json.bytes(root);
    }

    /** SSE events for a streamed mock: role, one chunk per word, finish, optional usage, [DONE]. */
    static List<byte[]> streamEvents(String model, String text, Usage usage, boolean includeUsage) {
        String id = "chatcmpl-" + CallIds.next();
        long created = System.currentTimeMillis() / 1000;
        List<byte[]> events = new ArrayList<>();
        ObjectNode delta =
                Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
        events.add(event(chunk(id, created, model, delta, null, includeUsage)));
        for (String piece : pieces(text)) {
            events.add(event(chunk(
                    id, created, model, Json.MAPPER.createObjectNode().put("content", piece), null, includeUsage)));
        }
        events.add(event(chunk(id, created, model, Json.MAPPER.createObjectNode(), "stop", includeUsage)));
        if (includeUsage) {
            ObjectNode last = chunkHead(id, created, model);
            last.putArray("choices");
            last.set("usage", usageNode(usage));
            events.add(event(last));
        }
        events.add("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
        return events;
    }

    private static ObjectNode chunk(
            String id, long created, String model, ObjectNode delta, String finish, boolean includeUsage) {
        ObjectNode c = chunkHead(id, created, model);
        c.putNull("system_fingerprint");
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        if (includeUsage) {
            c.putNull("usage");
        }
        return c;
    }

    private static ObjectNode chunkHead(String id, long created, String model) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        return c;
    }

    /** Words with their following space, so the pieces concatenate back to the text. */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == ' ') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    private static ObjectNode usageNode(Usage usage) {
        ObjectNode u = Json.MAPPER.createObjectNode();
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
        return u;
    }

    private static byte[] event(ObjectNode json) {
        return SseEvent.frame(Json.bytes(json));
    }
}
