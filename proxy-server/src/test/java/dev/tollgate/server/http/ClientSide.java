package dev.tollgate.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client connection on an {@link EmbeddedChannel}, with the server's HTTP codec in its place,
 * and the {@link Exchange} a route would answer it with. What the proxy writes is read back as
 * bytes and parsed ({@link Response}), chunked framing included. {@link #holdWrites()} keeps
 * writes from reaching the socket (a client that stopped reading) until {@link #releaseWrites()}.
 */
public final class ClientSide {
    private final EmbeddedChannel channel;
    private final Exchange exchange;
    private final WriteHold hold = new WriteHold();
    private final StringBuilder received = new StringBuilder();
    private final List<Throwable> errors = new ArrayList<>();
    /** Responses written in full on a connection that stays open (the dispatcher would start the next request). */
    private int answered;

    public ClientSide() {
        ChannelInboundHandlerAdapter route = new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // A write that fails because the client hung up (the server logs and drops it).
                errors.add(cause);
            }
        };
        channel = new EmbeddedChannel();
        channel.pipeline().addLast("hold", hold);
        channel.pipeline().addLast(ServerInitializer.CODEC, new HttpServerCodec());
        channel.pipeline().addLast("route", route);
        exchange = new Exchange(channel.pipeline().context(route), true, () -> answered++);
    }

    public EmbeddedChannel channel() {
        return channel;
    }

    public Exchange exchange() {
        return exchange;
    }

    /** How many responses were written in full with the connection kept open. */
    public int answered() {
        return answered;
    }

    /** Failures the pipeline reported (writes to a closed connection). */
    public List<Throwable> errors() {
        return errors;
    }

    /** Writes stay pending and the connection reports itself not writable, as with a client that stopped reading. */
    public void holdWrites() {
        hold.holding = true;
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    }

    /** The client reads again: pending writes go out and complete, the connection is writable. */
    public void releaseWrites() {
        hold.holding = false;
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        hold.release(channel.pipeline().context(hold));
        channel.flush();
    }

    /** Everything written to the client so far, parsed; the bytes are consumed and released. */
    public Response response() {
        Object o;
        while ((o = channel.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                received.append(b.toString(StandardCharsets.ISO_8859_1));
            }
            ReferenceCountUtil.release(o);
        }
        return Response.parse(received.toString());
    }

    /**
     * A response as the client saw it.
     *
     * @param status  0 when no head was written
     * @param headers lower-cased names
     * @param body    the body with any chunked framing removed, as UTF-8
     * @param chunks  how many chunks a chunked body came in (0 for a body with a length)
     * @param ended   the body is complete (its length reached, or the terminating chunk seen)
     */
    public record Response(int status, Map<String, String> headers, String body, int chunks, boolean ended) {
        static Response parse(String raw) {
            int headEnd = raw.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                return new Response(0, Map.of(), "", 0, false);
            }
            String[] lines = raw.substring(0, headEnd).split("\r\n");
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            String rest = raw.substring(headEnd + 4);
            if (!"chunked".equals(headers.get("transfer-encoding"))) {
                int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                return new Response(status, headers, utf8(rest), 0, rest.length() >= length);
            }
            StringBuilder body = new StringBuilder();
            int chunks = 0;
            int at = 0;
            while (true) {
                int lineEnd = rest.indexOf("\r\n", at);
                if (lineEnd < 0) {
                    return new Response(status, headers, utf8(body.toString()), chunks, false);
                }
                int size = Integer.parseInt(rest.substring(at, lineEnd), 16);
                if (size == 0) {
                    boolean ended = rest.startsWith("\r\n", lineEnd + 2);
                    return new Response(status, headers, utf8(body.toString()), chunks, ended);
                }
                chunks++;
                body.append(rest, lineEnd + 2, lineEnd + 2 + size);
                at = lineEnd + 2 + size + 2;
            }
        }

        private static String utf8(String latin1) {
            return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        }
    }

    /** Holds writes (and their promises) while {@code holding}, as a socket that accepts no more bytes. */
    private static final class WriteHold extends ChannelOutboundHandlerAdapter {
        private final ArrayDeque<Object> messages = new ArrayDeque<>();
        private final ArrayDeque<ChannelPromise> promises = new ArrayDeque<>();
        boolean holding;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (holding) {
                messages.add(msg);
                promises.add(promise);
            } else {
                ctx.write(msg, promise);
            }
        }

        void release(ChannelHandlerContext ctx) {
            while (!messages.isEmpty()) {
                ctx.write(messages.poll(), promises.poll());
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            while (!messages.isEmpty()) {
                ReferenceCountUtil.release(messages.poll());
                ChannelPromise p = promises.poll();
                if (!p.isVoid()) {
                    p.tryFailure(new IllegalStateException("connection closed"));
                }
            }
        }
    }
}
