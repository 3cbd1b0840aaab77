package dev.tollgate.server.proxy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A chat-completion or embedding request body. It is read once with a streaming parser: only the
 * fields the proxy acts on are interpreted, and every other field stays as the client's bytes
 * ({@link MemberOffsets}), so the body sent upstream is spliced from the original rather than
 * parsed into a tree and written out again. The whole document is still checked (a large
 * {@code messages} array by {@link JsonValueSkipper}, without tokenising its strings), so malformed
 * JSON anywhere is a 400 here, never a surprise upstream. A tree of the body is built only on the
 * rare paths that need the messages themselves (local token counts).
 *
 * <p>The body is never copied: the request keeps a retained view of the received buffers, the
 * parser reads them through a stream (its small input buffer is recycled), and the upstream body
 * is made of slices of them. So the request holds a reference until {@link #release()}, which
 * the call that owns it runs when it ends.
 */
public final class CompletionRequest {
    public enum Kind {
        CHAT("/chat/completions"),
        EMBEDDING("/embeddings"),
        /** Anthropic's Messages API, inbound: relayed to {@code anthropic/} deployments as it is. */
        MESSAGES("/messages");

        private final String route;

        Kind(String route) {
            this.route = route;
        }

        /** The route's path without {@code /v1}, as metrics and call records name it. */
        public String route() {
            return route;
        }
    }

    /**
     * Bodies from this size on step over their {@code messages} array in the raw bytes instead of
     * tokenising it; below it, a second parser would cost more than it saves.
     */
    static final int FAST_SKIP_MIN_BYTES = 32 * 1024;

    private static final byte[] OPEN_OBJECT = {'{'};

    /** What a stream is sent upstream with when the client set no stream options. */
    private static final byte[] INCLUDE_USAGE =
            "\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);

    private final Kind kind;
    /** The client's body (a retained view of the received buffers); null once released. */
    private ByteBuf body;

    private final int bodyBytes;
    private final MemberOffsets fields;
    private String model;
    private boolean stream;
    private boolean clientWantsUsage;
    private ObjectNode streamOptions;
    private long maxTokens;
    private String maxTokensField;
    private String mockResponse;
    private boolean hasMessages;
    private boolean hasInput;
    /** The fields that can name the customer (user, safety_identifier, litellm_metadata, metadata), as a small tree. */
    private final ObjectNode identity = Json.MAPPER.createObjectNode();

    private JsonNode tree;

    private CompletionRequest(Kind kind, ByteBuf body) {
        this.kind = kind;
        this.body = body;
        this.bodyBytes = body.readableBytes();
        this.fields = new MemberOffsets(body);
    }

    /**
     * Parses and validates; malformed JSON or a non-object body is a 400. The request retains
     * {@code content} (the caller keeps its own reference): release it with {@link #release()}.
     */
    public static CompletionRequest parse(Kind kind, ByteBuf content) {
        if (!content.isReadable()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body is empty; expected a JSON object.");
        }
        CompletionRequest r = new CompletionRequest(kind, content.retainedDuplicate());
        boolean parsed = false;
        try {
            r.readBody();
            parsed = true;
            return r;
        } finally {
            if (!parsed) {
                r.release();
            }
        }
    }

    private void readBody() {
        JsonParser p = null;
        try {
            p = Json.MAPPER.getFactory().createParser(bodyStream());
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body must be a JSON object.");
            }
            int shift = 0;
            int resume;
            while ((resume = readFields(p, shift)) >= 0) {
                // A large messages array was stepped over in the raw bytes: the rest of the object
                // is read by a new parser, as "{" followed by the bytes after the array's comma.
                p.close();
                p = Json.MAPPER.getFactory().createParser(restOfObject(resume));
                p.nextToken();
                shift = resume - 1;
            }
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new TollgateException(
                        ErrorKind.INVALID_REQUEST,
                        "Request body is not valid JSON: Trailing token (of type " + trailing + ") found after value");
            }
        } catch (IOException e) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST, "Request body is not valid JSON: " + firstLine(e.getMessage()));
        } finally {
            closeQuietly(p);
        }
        validate();
    }

    private static void closeQuietly(JsonParser p) {
        if (p != null) {
            try {
                p.close();
            } catch (IOException ignored) {
                // reading from memory: nothing to report
            }
        }
    }

    /** "{" and the body from {@code offset} on: the object's remaining members as a document of their own. */
    private InputStream restOfObject(int offset) {
        ByteBuf rest = body.duplicate();
        rest.skipBytes(offset);
        return new SequenceInputStream(new ByteArrayInputStream(OPEN_OBJECT), new ByteBufInputStream(rest));
    }

    /** The body as a stream: the parser copies it through its own small recycled buffer, not into an array. */
    private InputStream bodyStream() {
        if (body == null) {
            throw new IllegalStateException("the request body was released");
        }
        return new ByteBufInputStream(body.duplicate());
    }

    /** Gives up the body; idempotent. Nothing that reads the body may run after it. */
    public void release() {
        if (body != null) {
            ByteBuf b = body;
            body = null;
            b.release();
        }
    }

    /**
     * Reads the object's members up to its end (returns -1), or up to a large {@code messages}
     * array stepped over in the raw bytes, returning the body offset where the members after it
     * start. {@code shift} turns this parser's byte offsets into body offsets.
     */
    private int readFields(JsonParser p, int shift) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            fields.nameAt(name, shift + (int) p.currentTokenLocation().getByteOffset());
            JsonToken v = p.nextToken();
            if (name.equals("messages") && v == JsonToken.START_ARRAY && bodyBytes >= FAST_SKIP_MIN_BYTES) {
                int resume =
                        stepOverMessages(shift + (int) p.currentTokenLocation().getByteOffset());
                if (resume >= 0) {
                    hasMessages = true;
                    return resume;
                }
            }
            // As a JSON tree would, the last of duplicate keys wins; earlier values are forgotten.
            switch (name) {
                case "model" -> model = v == JsonToken.VALUE_STRING ? p.getText() : invalidModel(v, p);
                case "messages" -> hasMessages = nonEmptyArray(v, p, "messages");
                case "input" -> {
                    hasInput = v != JsonToken.VALUE_NULL;
                    p.skipChildren();
                }
                case "stream" -> stream = readStream(v, p);
                case "stream_options" -> {
                    JsonNode opts = Json.valueTree(p);
                    streamOptions = opts instanceof ObjectNode o ? o : null;
                    clientWantsUsage =
                            opts != null && opts.path("include_usage").asBoolean(false);
                }
                case "max_tokens", "max_completion_tokens" -> readMaxTokens(name, v, p);
                case "mock_response" -> mockResponse = v == JsonToken.VALUE_STRING ? p.getText() : skip(p);
                case "user", "safety_identifier", "litellm_metadata", "metadata" ->
                    identity.set(name, Json.valueTree(p));
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IOException("Unexpected token " + t + " in the request object");
        }
        fields.endAt(shift + (int) p.currentTokenLocation().getByteOffset());
        return -1;
    }

    /**
     * Steps over the {@code messages} array that starts at body offset {@code start} without
     * tokenising its strings ({@link JsonValueSkipper}): the body offset where the next member
     * starts (just past the comma), or of the object's closing brace. -1 when the array is empty,
     * not valid JSON or not followed by a comma or the closing brace: the parser then reads it,
     * and its message is the client's error.
     */
    private int stepOverMessages(int start) {
        int base = body.readerIndex();
        int end = base + bodyBytes;
        int first = JsonValueSkipper.skipWhitespace(body, base + start + 1, end);
        if (first >= end || body.getByte(first) == ']') {
            return -1;
        }
        int after = JsonValueSkipper.skip(body, base + start, end);
        if (after < 0) {
            return -1;
        }
        int next = JsonValueSkipper.skipWhitespace(body, after, end);
        if (next >= end) {
            return -1;
        }
        byte c = body.getByte(next);
        if (c == ',') {
            // A member must follow: "[...], }" is a trailing comma, which the parser refuses.
            int member = JsonValueSkipper.skipWhitespace(body, next + 1, end);
            return member < end && body.getByte(member) == '"' ? next + 1 - base : -1;
        }
        return c == '}' ? next - base : -1;
    }

    private static String skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    private static String invalidModel(JsonToken v, JsonParser p) throws IOException {
        p.skipChildren();
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new TollgateException(ErrorKind.INVALID_REQUEST, "'model' must be a non-empty string.", "model");
    }

    /** True for a non-empty array; null means absent; anything else is a 400 once we know it is there. */
    private static boolean nonEmptyArray(JsonToken v, JsonParser p, String field) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return false;
        }
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "'" + field + "' must be a non-empty array.", field);
        }
        boolean empty = true;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            empty = false;
            p.skipChildren();
        }
        if (empty) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "'" + field + "' must be a non-empty array.", field);
        }
        return true;
    }

    private static boolean readStream(JsonToken v, JsonParser p) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return false;
        }
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            p.skipChildren();
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "'stream' must be a boolean.", "stream");
        }
        return v == JsonToken.VALUE_TRUE;
    }

    /**
     * {@code max_completion_tokens} wins over {@code max_tokens} when both are set. Bounded so the
     * worst-case cost reserved at admission cannot overflow a long (a 500).
     */
    private void readMaxTokens(String field, JsonToken v, JsonParser p) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return;
        }
        boolean positiveInt = v == JsonToken.VALUE_NUMBER_INT
                && p.getNumberType() == JsonParser.NumberType.INT
                && p.getIntValue() >= 1;
        if (!positiveInt) {
            p.skipChildren();
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST,
                    "'" + field + "' must be a positive integer of at most " + Integer.MAX_VALUE + ".",
                    field);
        }
        if (maxTokensField == null || field.equals("max_completion_tokens")) {
            maxTokensField = field;
            maxTokens = p.getIntValue();
        }
    }

    private void validate() {
        if (model == null) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Missing required parameter: 'model'.", "model");
        }
        if (model.isBlank()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "'model' must be a non-empty string.", "model");
        }
        if (kind != Kind.EMBEDDING && !hasMessages) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST, "Missing required parameter: 'messages'.", "messages");
        }
        if (kind == Kind.EMBEDDING && !hasInput) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Missing required parameter: 'input'.", "input");
        }
        if (kind == Kind.EMBEDDING) {
            stream = false;
        }
        if (kind == Kind.MESSAGES) {
            // Anthropic's SDKs name the end user in metadata.user_id: the customer, as `user` is in chat completions.
            JsonNode userId = identity.path("metadata").get("user_id");
            if (!identity.has("user") && userId != null && userId.isTextual()) {
                identity.put("user", userId.textValue());
            }
            // Anthropic streams always report usage; nothing to ask for or strip.
            clientWantsUsage = true;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    /**
     * The body for the upstream: the client's bytes with {@code model} replaced by
     * {@code modelField} (a ready {@code "model":"..."} member), {@code mock_response} removed and,
     * when {@code askUsage}, {@code stream_options.include_usage} set to true.
     */
    ByteBuf upstreamBody(ByteBufAllocator alloc, byte[] modelField, boolean askUsage) {
        if (body == null) {
            throw new IllegalStateException("the request body was released");
        }
        byte[] streamOptionsField = null;
        if (askUsage && streamOptions == null) {
            streamOptionsField = INCLUDE_USAGE;
        } else if (askUsage) {
            ObjectNode opts = streamOptions.deepCopy();
            opts.put("include_usage", true);
            streamOptionsField = MemberOffsets.member("stream_options", Json.bytes(opts));
        }
        return fields.splice(alloc, modelField, streamOptionsField);
    }

    public Kind kind() {
        return kind;
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

    /** Whether the body has a {@code user} field (for {@code enforce_user_param}). */
    public boolean hasUser() {
        return identity.has("user");
    }

    /** Whether the body has a {@code safety_identifier} field (for {@code enforce_user_param}). */
    public boolean hasSafetyIdentifier() {
        return identity.has("safety_identifier");
    }

    /** The body's fields that can name a customer, for {@link dev.tollgate.core.customer.CustomerIdResolver}. */
    public ObjectNode identityFields() {
        return identity;
    }

    public JsonNode messages() {
        return tree().get("messages");
    }

    public JsonNode input() {
        return tree().get("input");
    }

    /** The whole body as a tree, for a deployment that translates it into another wire format. */
    JsonNode body() {
        return tree();
    }

    /** The whole body as a tree; parsed on first use (local token counts and translations only). */
    private JsonNode tree() {
        if (tree == null) {
            try (InputStream in = bodyStream()) {
                tree = Json.MAPPER.readTree(in);
            } catch (IOException e) {
                throw new IllegalStateException("body was validated at parse time", e);
            }
        }
        return tree;
    }

    @Override
    public String toString() {
        return "CompletionRequest[" + kind + ", model=" + model + ", " + bodyBytes + " bytes, fields="
                + Arrays.toString(fields.names()) + "]";
    }
}
