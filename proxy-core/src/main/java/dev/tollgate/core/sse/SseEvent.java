package dev.tollgate.core.sse;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Reads the {@code data:} payload of one SSE event without copying the event itself, and frames one. */
public final class SseEvent {
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseEvent() {}

    /**
     * The joined {@code data:} lines of the event (WHATWG rules: one optional space after the
     * colon; several lines joined with '\n'); null when the event has no data (a comment).
     */
    public static String data(ByteBuf event) {
        StringBuilder out = null;
        int i = event.readerIndex();
        int end = event.writerIndex();
        while (i < end) {
            int lineEnd = event.indexOf(i, end, (byte) '\n');
            if (lineEnd < 0) {
                lineEnd = end;
            }
            int contentEnd = lineEnd > i && event.getByte(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
            if (contentEnd - i >= 5
                    && event.getByte(i) == 'd'
                    && event.getByte(i + 1) == 'a'
                    && event.getByte(i + 2) == 't'
                    && event.getByte(i + 3) == 'a'
                    && event.getByte(i + 4) == ':') {
                int from = i + 5;
                if (from < contentEnd && event.getByte(from) == ' ') {
                    from++;
                }
                if (out == null) {
                    out = new StringBuilder(contentEnd - from);
                } else {
                    out.append('\n');
                }
                out.append(event.toString(from, contentEnd - from, StandardCharsets.UTF_8));
            }
            i = lineEnd + 1;
        }
        return out == null ? null : out.toString();
    }

    /** {@code data: <payload>\n\n}: one event whose payload is a single line (JSON). */
    public static byte[] frame(byte[] payload) {
        byte[] out = new byte[DATA_PREFIX.length + payload.length + 2];
        System.arraycopy(DATA_PREFIX, 0, out, 0, DATA_PREFIX.length);
        System.arraycopy(payload, 0, out, DATA_PREFIX.length, payload.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    public static boolean isDone(String data) {
        return data != null && data.length() == DONE.length && data.equals("[DONE]");
    }
}
