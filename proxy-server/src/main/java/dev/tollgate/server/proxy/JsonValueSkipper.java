package dev.tollgate.server.proxy;

import dev.tollgate.core.json.Json;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Finds the end of one JSON value in a buffer, checking it against JSON's grammar as strictly as
 * the request parser does, and faster on long strings: eight bytes are tested at once
 * for a quote, a backslash, a control byte or a non-ASCII byte, and escapes and multi-byte
 * characters are checked in place, straight from each received piece's memory. Used to step over
 * a large {@code messages} array, whose strings the proxy never reads (a JFR profile of 400 KB
 * prompts put over half of the proxy's CPU in the parser's string skip).
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
            int scanned = scanInPart();
            if (scanned != MORE) {
                return scanned == CLOSED;
            }
            // At the end of a received piece, or a character or escape that crosses into the next
            // one: this character byte by byte through the buffer, then back to the fast scan.
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

    private static final int CLOSED = 1;
    private static final int INVALID = -1;
    private static final int MORE = 0;

    /**
     * Scans string bytes within the received piece that holds {@code i}, straight from its memory:
     * plain bytes eight at a time, escapes and multi-byte characters checked in place (real prompts
     * have a newline escape every line and, in most languages, non-ASCII letters every few words;
     * reading those through the buffer made them several times slower than the parser).
     *
     * @return {@link #CLOSED} with {@code i} past the closing quote, {@link #INVALID}, or
     *     {@link #MORE} with {@code i} at a byte the caller must read through the buffer (the
     *     piece ended, or a character or escape continues in the next piece)
     */
    private int scanInPart() {
        while (part < parts.length - 1 && i >= partStarts[part + 1]) {
            part++;
        }
        if (part >= parts.length) {
            return MORE;
        }
        ByteBuffer region = parts[part];
        // Absolute indexes into the region, in locals: the loops then run in registers.
        int shift = region.position() - partStarts[part];
        int at = i + shift;
        int limit = region.limit();
        int lastWord = limit - 8;
        int result = MORE;
        scan:
        while (true) {
            while (at <= lastWord) {
                long w = region.getLong(at);
                long special = (hasByte(w, QUOTES) | hasByte(w, BACKSLASHES) | (w - SPACES) & ~w | w) & HIGHS;
                if (special != 0) {
                    // The first flagged byte is exact (a false flag can only follow a true one).
                    at += firstFlaggedByte(special);
                    break;
                }
                at += 8;
            }
            if (at >= limit) {
                break;
            }
            int c = region.get(at) & 0xFF;
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                at++;
            } else if (c == '"') {
                at++;
                result = CLOSED;
                break;
            } else if (c == '\\') {
                if (at + 1 >= limit) {
                    break;
                }
                byte e = region.get(at + 1);
                switch (e) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> at += 2;
                    case 'u' -> {
                        if (at + 6 > limit) {
                            break scan;
                        }
                        for (int k = 2; k < 6; k++) {
                            if (Character.digit(region.get(at + k), 16) < 0) {
                                result = INVALID;
                                break scan;
                            }
                        }
                        at += 6;
                    }
                    default -> {
                        result = INVALID;
                        break scan;
                    }
                }
            } else if (c < 0x20) {
                result = INVALID;
                break;
            } else {
                int more = continuationBytes(c);
                if (more < 0) {
                    result = INVALID;
                    break;
                }
                if (at + more >= limit) {
                    break; // the character, or the byte after it, is in the next piece
                }
                for (int k = 1; k <= more; k++) {
                    if ((region.get(at + k) & 0xC0) != 0x80) {
                        result = INVALID;
                        break scan;
                    }
                }
                at += more + 1;
            }
        }
        i = at - shift;
        return result;
    }

    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /** The position in its word (0 = first in memory) of the lowest-addressed byte flagged in {@code highs}. */
    private static int firstFlaggedByte(long highs) {
        return (LITTLE_ENDIAN ? Long.numberOfTrailingZeros(highs) : Long.numberOfLeadingZeros(highs)) >>> 3;
    }

    /** How many continuation bytes follow a UTF-8 lead byte, or -1 when it cannot lead. */
    private static int continuationBytes(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 1;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 2;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 3;
        }
        return -1;
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
        int more = continuationBytes(lead);
        if (more < 0) {
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
