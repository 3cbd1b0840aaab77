package dev.tollgate.server.proxy;

import dev.tollgate.core.json.Json;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Finds the end of one JSON value in a buffer, checking it against JSON's grammar as strictly as
 * the request parser does, and faster on long strings: eight bytes are tested at once
 * for a quote, a backslash, a control byte or a non-ASCII byte, and only such words are read byte
 * by byte. Used to step over a large {@code messages} array, whose strings the proxy never reads
 * (a JFR profile of 400 KB prompts put over half of the proxy's CPU in the parser's string skip).
 *
 * <p>It answers only "valid, ends here" or "not valid": on any doubt the caller parses the value
 * the ordinary way, which gives the client the parser's own error message.
 */
final class JsonValueSkipper {
    /**
     * Containers nested deeper than this inside the value are refused: the parser's own limit less
     * one, for the request object around the value.
     */
    static final int MAX_DEPTH =
            Json.MAPPER.getFactory().streamReadConstraints().getMaxNestingDepth() - 1;

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = ONES * '"';
    private static final long BACKSLASHES = ONES * '\\';
    private static final long SPACES = ONES * 0x20;

    private static final byte OBJECT = 1;
    private static final byte ARRAY = 2;

    private final ByteBuf b;
    private final int end;
    private int i;
    /**
     * The bytes as the buffer's own memory regions (one per received piece of a composite body),
     * for the word-at-a-time scan: reading through the buffer would look up the piece at every read.
     */
    private final ByteBuffer[] parts;
    /** The index in {@code b} of each part's first byte. */
    private final int[] partStarts;
    /** The part the scan is in; only moves forward, as {@code i} does. */
    private int part;

    private JsonValueSkipper(ByteBuf b, int from, int end) {
        this.b = b;
        this.i = from;
        this.end = end;
        this.parts = b.nioBuffers(from, end - from);
        for (ByteBuffer p : parts) {
            p.order(ByteOrder.nativeOrder()); // the scan only tests bytes: no byte swapping
        }
        this.partStarts = new int[parts.length];
        int at = from;
        for (int k = 0; k < parts.length; k++) {
            partStarts[k] = at;
            at += parts[k].remaining();
        }
    }

    /**
     * The index just past the JSON value that starts at {@code from} (no leading whitespace), or
     * -1 when the bytes up to {@code end} are not one valid value.
     */
    static int skip(ByteBuf b, int from, int end) {
        try {
            JsonValueSkipper s = new JsonValueSkipper(b, from, end);
            return s.value() ? s.i : -1;
        } catch (IndexOutOfBoundsException e) {
            return -1; // the document ended inside the value
        }
    }

    /** The index of the first byte at or after {@code from} that is not JSON whitespace ({@code end} if none). */
    static int skipWhitespace(ByteBuf b, int from, int end) {
        int j = from;
        while (j < end) {
            byte c = b.getByte(j);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            j++;
        }
        return j;
    }

    private boolean value() {
        byte[] stack = new byte[16];
        int depth = 0;
        while (true) {
            // A value starts at i.
            byte c = next();
            if (c == '{' || c == '[') {
                i++;
                if (depth == MAX_DEPTH) {
                    return false;
                }
                if (depth == stack.length) {
                    stack = Arrays.copyOf(stack, depth * 2);
                }
                stack[depth++] = c == '{' ? OBJECT : ARRAY;
                byte first = next();
                if (first == (c == '{' ? '}' : ']')) {
                    i++;
                    depth--;
                } else if (c == '{' && !key()) {
                    return false;
                } else {
                    continue; // the first element's value
                }
            } else if (!scalar(c)) {
                return false;
            }
            // After a value: close containers, or move to the next element.
            while (true) {
                if (depth == 0) {
                    return true;
                }
                byte d = next();
                i++;
                if (d == ',') {
                    if (stack[depth - 1] == OBJECT && !key()) {
                        return false;
                    }
                    break; // the next value
                }
                if (d != (stack[depth - 1] == OBJECT ? '}' : ']')) {
                    return false;
                }
                depth--;
            }
        }
    }

    /** An object member's name and its colon; i is then at the member's value. */
    private boolean key() {
        if (next() != '"') {
            return false;
        }
        i++;
        if (!string()) {
            return false;
        }
        if (next() != ':') {
            return false;
        }
        i++;
        return true;
    }

    /** The next byte that is not whitespace; i points at it. Throws past the end. */
    private byte next() {
        i = skipWhitespace(b, i, end);
        if (i >= end) {
            throw new IndexOutOfBoundsException();
        }
        return b.getByte(i);
    }

    private boolean scalar(byte c) {
        if (c == '"') {
            i++;
            return string();
        }
        if (c == 't') {
            return literal("true");
        }
        if (c == 'f') {
            return literal("false");
        }
        if (c == 'n') {
            return literal("null");
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        return false;
    }

    private boolean literal(String word) {
        if (i + word.length() > end) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            if (b.getByte(i + k) != word.charAt(k)) {
                return false;
            }
        }
        i += word.length();
        return endsToken();
    }

    /** A number, as JSON writes them: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    private boolean number() {
        if (b.getByte(i) == '-') {
            i++;
        }
        if (i >= end) {
            return false;
        }
        byte c = b.getByte(i);
        if (c == '0') {
            i++;
        } else if (c >= '1' && c <= '9') {
            digits();
        } else {
            return false;
        }
        if (i < end && b.getByte(i) == '.') {
            i++;
            if (digits() == 0) {
                return false;
            }
        }
        if (i < end && (b.getByte(i) == 'e' || b.getByte(i) == 'E')) {
            i++;
            if (i < end && (b.getByte(i) == '+' || b.getByte(i) == '-')) {
                i++;
            }
            if (digits() == 0) {
                return false;
            }
        }
        return endsToken();
    }

    private int digits() {
        int start = i;
        while (i < end) {
            byte c = b.getByte(i);
            if (c < '0' || c > '9') {
                break;
            }
            i++;
        }
        return i - start;
    }

    /** A number or literal must be followed by a delimiter (or the end), as in "1," not "1x". */
    private boolean endsToken() {
        if (i >= end) {
            return true;
        }
        byte c = b.getByte(i);
        return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /** The rest of a string after its opening quote; i is then past the closing quote. */
    private boolean string() {
        while (true) {
            scanPlainBytes();
            if (i >= end) {
                return false;
            }
            int c = b.getByte(i) & 0xFF;
            if (c == '"') {
                i++;
                return true;
            }
            if (c == '\\') {
                if (!escape()) {
                    return false;
                }
            } else if (c < 0x20) {
                return false;
            } else if (c < 0x80) {
                i++;
            } else if (!utf8(c)) {
                return false;
            }
        }
    }

    /**
     * Moves {@code i} over plain string bytes (printable ASCII other than '"' and '\\') eight at a
     * time, within the part that holds {@code i}; the caller reads the byte that stopped it.
     */
    private void scanPlainBytes() {
        while (part < parts.length - 1 && i >= partStarts[part + 1]) {
            part++;
        }
        if (part >= parts.length) {
            return;
        }
        ByteBuffer region = parts[part];
        // Absolute indexes into the region, in a local: the loop then runs in registers.
        int at = region.position() + (i - partStarts[part]);
        int last = region.limit() - 8;
        int from = at;
        while (at <= last) {
            long w = region.getLong(at);
            if (((hasByte(w, QUOTES) | hasByte(w, BACKSLASHES) | (w - SPACES) & ~w | w) & HIGHS) != 0) {
                break;
            }
            at += 8;
        }
        i += at - from;
    }

    /** Nonzero (in the high bits) where a byte of {@code w} equals the byte repeated in {@code pattern}. */
    private static long hasByte(long w, long pattern) {
        long x = w ^ pattern;
        return (x - ONES) & ~x;
    }

    private boolean escape() {
        if (i + 1 >= end) {
            return false;
        }
        byte e = b.getByte(i + 1);
        switch (e) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                i += 2;
                return true;
            }
            case 'u' -> {
                if (i + 6 > end) {
                    return false;
                }
                for (int k = 2; k < 6; k++) {
                    if (Character.digit(b.getByte(i + k), 16) < 0) {
                        return false;
                    }
                }
                i += 6;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** One multi-byte UTF-8 character starting with {@code lead}: a valid lead and its continuation bytes. */
    private boolean utf8(int lead) {
        int more;
        if (lead >= 0xC2 && lead <= 0xDF) {
            more = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            more = 2;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            more = 3;
        } else {
            return false;
        }
        if (i + more >= end) {
            return false;
        }
        for (int k = 1; k <= more; k++) {
            if ((b.getByte(i + k) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += more + 1;
        return true;
    }
}
