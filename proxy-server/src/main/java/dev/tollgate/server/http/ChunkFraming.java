package dev.tollgate.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 chunked framing ({@code <hex size>\r\n<bytes>\r\n}) of one piece of a streamed body,
 * as a single buffer. The stream's chunks are framed here and written past the HTTP encoder,
 * which would otherwise make three buffers and a promise combiner of every piece (a large share
 * of a stream's CPU when an upstream sends one small event per read). Small pieces are copied
 * into one buffer; large ones are wrapped without a copy.
 */
final class ChunkFraming {
    /** Up to this size a copy is cheaper than a composite buffer's bookkeeping. */
    private static final int COPY_LIMIT = 8192;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private ChunkFraming() {}

    /** The framed chunk; takes ownership of {@code content}, which must not be empty. */
    static ByteBuf frame(ByteBufAllocator alloc, ByteBuf content) {
        int n = content.readableBytes();
        int digits = hexDigits(n);
        if (n <= COPY_LIMIT) {
            ByteBuf out = alloc.directBuffer(digits + 2 + n + 2);
            writeHeader(out, n, digits);
            out.writeBytes(content, content.readerIndex(), n);
            out.writeByte('\r').writeByte('\n');
            content.release();
            return out;
        }
        ByteBuf head = alloc.directBuffer(digits + 2);
        writeHeader(head, n, digits);
        ByteBuf tail = alloc.directBuffer(2).writeByte('\r').writeByte('\n');
        CompositeByteBuf out = alloc.compositeDirectBuffer(3);
        out.addComponents(true, head, content, tail);
        return out;
    }

    private static void writeHeader(ByteBuf out, int n, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(n >>> shift) & 0xf]);
        }
        out.writeByte('\r').writeByte('\n');
    }

    private static int hexDigits(int n) {
        return Math.max(1, (32 - Integer.numberOfLeadingZeros(n) + 3) / 4);
    }
}
