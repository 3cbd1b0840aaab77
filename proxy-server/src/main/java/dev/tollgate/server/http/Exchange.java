package dev.tollgate.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One request/response exchange on a client connection. Reading from the client is paused while
 * the exchange is open; when its response has been written and the connection stays open, the
 * {@link RequestDispatcher} is told ({@code onDone}) and starts the next request, so pipelined
 * requests are answered in order. Exactly one response is written, whatever path ends it.
 * Not thread-safe: use it on the connection's event loop only.
 */
public final class Exchange {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final Runnable onDone;
    private boolean responded;
    private boolean streaming;
    private boolean finished;
    /** The HTTP codec's context, looked up on the first streamed chunk. */
    private ChannelHandlerContext codec;
    /** The route speaks Anthropic's Messages API: errors take Anthropic's shape. */
    private boolean anthropicErrors;

    /** @param onDone run once the response is written and the connection stays open */
    Exchange(ChannelHandlerContext ctx, boolean keepAlive, Runnable onDone) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.onDone = onDone;
        ctx.channel().config().setAutoRead(false);
        InFlight.set(ctx.channel(), true);
    }

    public Channel channel() {
        return ctx.channel();
    }

    public ChannelHandlerContext ctx() {
        return ctx;
    }

    public boolean responded() {
        return responded;
    }

    public boolean finished() {
        return finished;
    }

    public boolean streaming() {
        return streaming;
    }

    public void json(int status, byte[] body, HttpHeaders extra) {
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body),
                Headers.OUTGOING,
                Headers.OUTGOING_TRAILERS);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        if (extra != null) {
            res.headers().add(extra);
        }
        full(res);
    }

    /** Sends a complete response; releases it if the exchange already answered. */
    public void full(FullHttpResponse res) {
        if (responded) {
            ReferenceCountUtil.release(res);
            return;
        }
        responded = true;
        finished = true;
        boolean keep = keepAlive && ctx.channel().isActive();
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        res.headers().set(HttpHeaderNames.CONNECTION, keep ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ChannelFuture f = ctx.writeAndFlush(res);
        complete(f, keep);
    }

    /** Any failure, mapped in one place ({@link HttpResponses#toTollgate}). */
    public void error(Throwable failure) {
        if (responded) {
            return;
        }
        FullHttpResponse res = HttpResponses.errorResponse(failure, anthropicErrors);
        full(res);
    }

    /** From now on errors take the shape of Anthropic's Messages API, for a route whose clients speak it. */
    public void useAnthropicErrors() {
        anthropicErrors = true;
    }

    /**
     * Starts a chunked response (SSE). The head is written, not flushed: the caller flushes it
     * with the first events, one system call for both.
     */
    public void startStream(HttpResponseStatus status, HttpHeaders headers) {
        if (responded) {
            return;
        }
        responded = true;
        streaming = true;
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, Headers.OUTGOING);
        res.headers().add(headers);
        HttpUtil.setTransferEncodingChunked(res, true);
        res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ctx.write(res, ctx.voidPromise());
    }

    /** Writes one chunk of a started stream; takes ownership of {@code content}. */
    public ChannelFuture writeChunk(ByteBuf content) {
        if (!streaming || finished) {
            content.release();
            return ctx.newSucceededFuture();
        }
        ChannelFuture f = writeChunkLater(content);
        ctx.flush();
        return f;
    }

    /**
     * Writes one chunk of a started stream without flushing; the caller flushes once per batch.
     * The chunk is framed here ({@link ChunkFraming}) and written from the codec's place in the
     * pipeline, so it reaches the socket without going through the HTTP encoder; the encoder
     * still writes the head and the terminating chunk, and everything stays in write order
     * because all of it happens on this connection's event loop.
     */
    public ChannelFuture writeChunkLater(ByteBuf content) {
        if (!streaming || finished || !content.isReadable()) {
            content.release();
            return ctx.newSucceededFuture();
        }
        if (codec == null) {
            codec = ctx.pipeline().context(ServerInitializer.CODEC);
        }
        if (codec == null) {
            return ctx.write(new DefaultHttpContent(content)); // no codec (connection closing): let the pipeline decide
        }
        return codec.write(ChunkFraming.frame(ctx.alloc(), content));
    }

    /** Flushes chunks written with {@link #writeChunkLater}. */
    public void flush() {
        ctx.flush();
    }

    /** Ends a started stream cleanly. */
    public void endStream() {
        if (!streaming || finished) {
            return;
        }
        finished = true;
        boolean keep = keepAlive && ctx.channel().isActive();
        complete(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keep);
    }

    /** Ends a started stream after a failure: flush what was written, then close the connection. */
    public void abortStream(ByteBuf lastEvent) {
        if (finished) {
            if (lastEvent != null) {
                lastEvent.release();
            }
            return;
        }
        finished = true;
        if (lastEvent != null && ctx.channel().isActive()) {
            ctx.write(new DefaultHttpContent(lastEvent));
        } else if (lastEvent != null) {
            lastEvent.release();
        }
        // No terminating chunk: a clean end would tell the client the stream completed.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        InFlight.set(ctx.channel(), false);
    }

    private void complete(ChannelFuture write, boolean keep) {
        Channel ch = ctx.channel();
        if (!keep) {
            write.addListener(ChannelFutureListener.CLOSE);
            InFlight.set(ch, false);
            return;
        }
        write.addListener(f -> {
            InFlight.set(ch, false);
            if (f.isSuccess()) {
                onDone.run();
            } else {
                ch.close();
            }
        });
    }
}
