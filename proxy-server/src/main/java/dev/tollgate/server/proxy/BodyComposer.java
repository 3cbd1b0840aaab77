package dev.tollgate.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Builds a body from pieces without copying the large ones: a range of the source of at least
 * {@link #SLICE_MIN} bytes becomes a retained slice of it (a 400 KB message list is sent upstream
 * from the very buffers it was received in), while small pieces (braces, commas, short members,
 * the rewritten fields) are gathered into small direct buffers. Everything is direct, so the
 * socket writes the result with one gathering write and no further copy.
 */
final class BodyComposer {
    /** Below this, copying a range is cheaper than a slice and a component. */
    static final int SLICE_MIN = 1024;

    private static final int SMALL_CAPACITY = 256;

    private final ByteBufAllocator alloc;
    private final CompositeByteBuf out;
    /** Gathers small pieces until the next slice (or the end). */
    private ByteBuf small;

    BodyComposer(ByteBufAllocator alloc, int maxComponents) {
        this.alloc = alloc;
        this.out = alloc.compositeDirectBuffer(Math.max(2, maxComponents));
    }

    void add(byte b) {
        small(1).writeByte(b);
    }

    void add(byte[] bytes) {
        small(bytes.length).writeBytes(bytes);
    }

    /** Appends {@code length} bytes of {@code source} from {@code index}: sliced when large, else copied. */
    void add(ByteBuf source, int index, int length) {
        if (length < SLICE_MIN) {
            small(length).writeBytes(source, index, length);
            return;
        }
        flushSmall();
        out.addComponent(true, source.retainedSlice(index, length));
    }

    /** The composed body (owned by the caller). */
    ByteBuf build() {
        flushSmall();
        return out;
    }

    /** Releases what was composed so far (the body will not be used). */
    void discard() {
        if (small != null) {
            small.release();
            small = null;
        }
        out.release();
    }

    private ByteBuf small(int needed) {
        if (small != null && small.maxWritableBytes() < needed) {
            flushSmall();
        }
        if (small == null) {
            small = alloc.directBuffer(Math.max(SMALL_CAPACITY, needed), Math.max(SMALL_CAPACITY, needed));
        }
        return small;
    }

    private void flushSmall() {
        if (small != null) {
            out.addComponent(true, small);
            small = null;
        }
    }
}
