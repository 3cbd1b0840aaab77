package dev.tollgate.core.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one shared, thread-safe ObjectMapper. Never build a mapper per call. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Reads one value out of a larger document, so what follows it is not "trailing". */
    private static final ObjectReader VALUE_READER =
            MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    /**
     * The value at the parser's current token as a tree (null for JSON null), leaving the parser
     * on its last token: for streaming reads that want a small part of a document as a tree.
     */
    public static JsonNode valueTree(JsonParser parser) throws IOException {
        return VALUE_READER.readTree(parser);
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String string(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a JSON document; throws {@link IOException} on malformed input. */
    public static JsonNode parse(byte[] bytes, int offset, int length) throws IOException {
        return MAPPER.readTree(bytes, offset, length);
    }
}
