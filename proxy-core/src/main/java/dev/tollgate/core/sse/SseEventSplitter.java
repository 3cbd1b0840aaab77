package dev.tollgate.core.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.function.Consumer;

/**
 * Cuts a byte stream of Server-Sent Events into whole events: each event is its own buffer (a
 * copy of the received bytes), ending with its blank line ({@code \n\n} or
 * {@code \r\n\r\n}). Bytes of an unfinished event wait in a composite buffer for the next chunk.
 * Not thread-safe; {@link #close()} releases what is left.
 */
public final class SseEventSplitter implements AutoCloseable {
    private final CompositeByteBuf pending;

    public SseEventSplitter(ByteBufAllocator alloc) {
        this.pending = alloc.compositeBuffer(64);
    }

    /** Takes ownership of {@code chunk}; hands each complete event (owned by the sink) to {@code sink}. */
    public void feed(ByteBuf chunk, Consumer<ByteBuf> sink) {
        if (!chunk.isReadable()) {
            chunk.release();
            return;
        }
        pending.addComponent(true, chunk);
        int end;
        while ((end = eventEnd(pending)) >= 0) {
            // A copy, not a slice: discardReadComponents below shifts the composite's indexes and
            // frees its read components, which would change or free a slice's bytes under it.
            sink.accept(pending.readBytes(end - pending.readerIndex()));
        }
        pending.discardReadComponents();
    }

    /** Whatever remains (a last event without its blank line), owned by the caller; null if none. */
    public ByteBuf drainRemainder() {
        if (!pending.isReadable()) {
            return null;
        }
        return pending.readBytes(pending.readableBytes());
    }

    /** Index just past the blank line ending the first event, or -1. */
    static int eventEnd(ByteBuf buf) {
        int limit = buf.writerIndex();
        // indexOf scans in bulk; reading byte by byte is slow on composites (and under leak detection).
        for (int i = buf.indexOf(buf.readerIndex(), limit, (byte) '\n'); i >= 0 && i < limit - 1;
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
        pending.release();
    }
}
