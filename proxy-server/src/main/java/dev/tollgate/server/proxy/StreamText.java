package dev.tollgate.server.proxy;

import dev.tollgate.core.json.Json;
import dev.tollgate.core.sse.SseEvent;
import dev.tollgate.core.sse.SseRunSplitter;
import dev.tollgate.core.usage.UsageParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * What a stream has said so far, kept for the one case that needs it: a stream that ends without
 * reporting usage (cut by the client or the upstream), whose completion is then counted locally.
 * Passing events are only copied as raw bytes (cheap); they are parsed for their text only if that
 * case happens. Past {@link #MAX_RAW} bytes the kept bytes are parsed and dropped, so a very long
 * stream holds its text, not its whole wire form.
 */
final class StreamText {
    static final int MAX_RAW = 1 << 20;

    private byte[] raw = new byte[1024];
    private int length;
    private StringBuilder text;

    /** Keeps the events of {@code run} (not consumed, not released). */
    void add(ByteBuf run) {
        int n = run.readableBytes();
        if (length + n > MAX_RAW) {
            parseKept();
            appendText(run);
            return;
        }
        if (length + n > raw.length) {
            raw = Arrays.copyOf(raw, Math.max(raw.length * 2, length + n));
        }
        run.getBytes(run.readerIndex(), raw, length, n);
        length += n;
    }

    /** The completion text of every event kept, in order. */
    String text() {
        parseKept();
        return text == null ? "" : text.toString();
    }

    private void parseKept() {
        if (length > 0) {
            appendText(Unpooled.wrappedBuffer(raw, 0, length));
            length = 0;
        }
    }

    private void appendText(ByteBuf events) {
        if (text == null) {
            text = new StringBuilder();
        }
        SseRunSplitter.forEachEvent(events, event -> {
            String data = SseEvent.data(event);
            if (data == null || SseEvent.isDone(data)) {
                return;
            }
            try {
                text.append(UsageParser.viewChunk(Json.MAPPER.readTree(data)).contentDelta());
            } catch (Exception notJson) {
                // Nothing to count in it.
            }
        });
    }
}
