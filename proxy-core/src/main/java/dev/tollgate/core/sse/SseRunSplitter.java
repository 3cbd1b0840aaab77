package dev.tollgate.core.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;
import java.util.function.Consumer;

/**
 * Cuts a byte stream of Server-Sent Events into <em>runs</em>: each run is every whole event
 * received so far, ending with a blank line ({@code \n\n} or {@code \r\n\r\n}), and an event is
 * never split across runs. A relay forwards a run as it is, so the common case (an upstream read
 * that ends on an event boundary) costs no copy and no per-event work: the received buffer itself
 * is the run. Bytes of an unfinished event are copied aside until the read that completes it.
 * Not thread-safe; {@link #close()} releases what is left.
 */
public final class SseRunSplitter implements AutoCloseable {
    private final ByteBufAllocator alloc;
    /** The unfinished event's bytes (ours, growable), or null. */
    private ByteBuf partial;

    public SseRunSplitter(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /**
     * Takes ownership of {@code chunk}; returns the whole events it completes, owned by the
     * caller, or null when it completes none.
     */
    public ByteBuf feed(ByteBuf chunk) {
        if (!chunk.isReadable()) {
            chunk.release();
            return null;
        }
        ByteBuf buf = chunk;
        if (partial != null) {
            buf = partial;
            partial = null;
            buf.writeBytes(chunk);
            chunk.release();
        }
        int end = lastEventEnd(buf);
        if (end < 0) {
            keepPartial(buf, buf.readerIndex());
            return null;
        }
        if (end == buf.writerIndex()) {
            return buf;
        }
        ByteBuf run = buf.retainedSlice(buf.readerIndex(), end - buf.readerIndex());
        keepPartial(buf, end);
        return run;
    }

    /** Copies the bytes from {@code from} into our own growable buffer (a received buffer may be a fixed-size slice) and releases {@code buf}. */
    private void keepPartial(ByteBuf buf, int from) {
        int n = buf.writerIndex() - from;
        ByteBuf own = alloc.buffer(Math.max(256, n * 2));
        own.writeBytes(buf, from, n);
        buf.release();
        partial = own;
    }

    /** Whatever remains (a last event without its blank line), owned by the caller; null if none. */
    public ByteBuf drainRemainder() {
        ByteBuf rest = partial;
        partial = null;
        if (rest != null && !rest.isReadable()) {
            rest.release();
            return null;
        }
        return rest;
    }

    /** Index just past the last blank line in {@code buf}, or -1 when there is none. */
    static int lastEventEnd(ByteBuf buf) {
        int from = buf.readerIndex();
        int i = buf.writerIndex() - 1;
        while (i > from) {
            // Usually the very last bytes are the blank line, so this finds it at once.
            i = buf.forEachByteDesc(from, i - from + 1, ByteProcessor.FIND_LF);
            if (i <= from) {
                return -1;
            }
            byte prev = buf.getByte(i - 1);
            if (prev == '\n' || (prev == '\r' && i - 2 >= from && buf.getByte(i - 2) == '\n')) {
                return i + 1;
            }
            i--;
        }
        return -1;
    }

    /**
     * Hands each event of {@code events} to {@code sink} as a slice (not retained: valid while
     * {@code events} is); trailing bytes without a blank line count as a last event.
     */
    public static void forEachEvent(ByteBuf events, Consumer<ByteBuf> sink) {
        int start = events.readerIndex();
        int limit = events.writerIndex();
        while (start < limit) {
            int end = eventEnd(events, start, limit);
            if (end < 0) {
                end = limit;
            }
            sink.accept(events.slice(start, end - start));
            start = end;
        }
    }

    /** Index just past the first blank line at or after {@code from}, or -1. */
    static int eventEnd(ByteBuf buf, int from, int limit) {
        for (int i = buf.indexOf(from, limit, (byte) '\n');
                i >= 0 && i < limit - 1;
                i = buf.indexOf(i + 1, limit, (byte) '\n')) {
            byte next = buf.getByte(i + 1);
            if (next == '\n') {
                return i + 2;
            }
            if (next == '\r' && i + 2 < limit && buf.getByte(i + 2) == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }
}
