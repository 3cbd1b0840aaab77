package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;

/**
 * A chat-completion or embedding request body, read as a JSON tree: only the fields the proxy
 * acts on are interpreted; everything else is passed upstream untouched.
 */
public final class CompletionRequest {
    public enum Kind { CHAT, EMBEDDING }

    private final Kind kind;
    private final ObjectNode body;
    private final int bodyBytes;
    private final String model;
    private final boolean stream;
    private final boolean clientWantsUsage;
    private final long maxTokens;
    private final String mockResponse;

    private CompletionRequest(Kind kind, ObjectNode body, int bodyBytes) {
        this.kind = kind;
        this.body = body;
        this.bodyBytes = bodyBytes;
        JsonNode m = body.get("model");
        if (m == null || m.isNull()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Missing required parameter: 'model'.", "model");
        }
        if (!m.isTextual() || m.asText().isBlank()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "'model' must be a non-empty string.", "model");
        }
        this.model = m.asText();
        if (kind == Kind.CHAT) {
            JsonNode messages = body.get("messages");
            if (messages == null || messages.isNull()) {
                throw new TollgateException(ErrorKind.INVALID_REQUEST, "Missing required parameter: 'messages'.", "messages");
            }
            if (!messages.isArray() || messages.isEmpty()) {
                throw new TollgateException(ErrorKind.INVALID_REQUEST, "'messages' must be a non-empty array.", "messages");
            }
        } else if (!body.hasNonNull("input")) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Missing required parameter: 'input'.", "input");
        }
        JsonNode s = body.get("stream");
        if (s != null && !s.isNull() && !s.isBoolean()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "'stream' must be a boolean.", "stream");
        }
        this.stream = kind == Kind.CHAT && s != null && s.asBoolean(false);
        JsonNode opts = body.get("stream_options");
        this.clientWantsUsage = opts != null && opts.path("include_usage").asBoolean(false);
        this.maxTokens = readMaxTokens(body);
        JsonNode mock = body.get("mock_response");
        this.mockResponse = mock != null && mock.isTextual() ? mock.asText() : null;
    }

    private static long readMaxTokens(ObjectNode body) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                continue;
            }
            // Bounded so the worst-case cost reserved at admission cannot overflow a long (a 500).
            if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asLong() < 1) {
                throw new TollgateException(ErrorKind.INVALID_REQUEST,
                        "'" + field + "' must be a positive integer of at most " + Integer.MAX_VALUE + ".", field);
            }
            return v.asLong();
        }
        return 0;
    }

    /** Parses and validates; malformed JSON or a non-object body is a 400. */
    public static CompletionRequest parse(Kind kind, ByteBuf content) {
        if (!content.isReadable()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body is empty; expected a JSON object.");
        }
        JsonNode tree;
        try (ByteBufInputStream in = new ByteBufInputStream(content.duplicate())) {
            tree = Json.MAPPER.readTree((java.io.InputStream) in);
        } catch (IOException e) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!(tree instanceof ObjectNode obj)) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body must be a JSON object.");
        }
        return new CompletionRequest(kind, obj, content.readableBytes());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    public Kind kind() {
        return kind;
    }

    public ObjectNode body() {
        return body;
    }

    public int bodyBytes() {
        return bodyBytes;
    }

    public String model() {
        return model;
    }

    public boolean stream() {
        return stream;
    }

    public boolean clientWantsUsage() {
        return clientWantsUsage;
    }

    /** {@code max_completion_tokens} or {@code max_tokens}; 0 when absent. */
    public long maxTokens() {
        return maxTokens;
    }

    public String mockResponse() {
        return mockResponse;
    }

    public JsonNode messages() {
        return body.get("messages");
    }
}
