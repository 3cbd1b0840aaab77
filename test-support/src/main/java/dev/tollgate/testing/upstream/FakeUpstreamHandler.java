package dev.tollgate.testing.upstream;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection of the fake upstream. Each request is copied into plain Java objects and its
 * {@link FullHttpRequest} released at once, so nothing reference-counted outlives
 * {@link #channelRead}. Requests are answered one at a time in arrival order (HTTP/1.1 pipelining
 * is queued, not interleaved). All state is touched only on this channel's event loop.
 */
final class FakeUpstreamHandler extends ChannelInboundHandlerAdapter {
    private final FakeUpstreamOptions options;
    private final RequestLog log;
    private final AtomicLong ids;
    private final ArrayDeque<PendingExchange> pending = new ArrayDeque<>();
    /** The exchange being answered; null when idle. */
    private PendingExchange current;
    /** Latency or chunk pacing timer, cancelled when the connection goes away. */
    private ScheduledFuture<?> timer;
    /** True once we close the connection ourselves, so the close is not blamed on the peer. */
    private boolean closingOnPurpose;

    FakeUpstreamHandler(FakeUpstreamOptions options, RequestLog log, AtomicLong ids) {
        this.options = options;
        this.log = log;
        this.ids = ids;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        log.connectionOpened();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        log.connectionClosed();
        if (current != null && current.streaming() && !closingOnPurpose) {
            log.peerClosedDuringStream();
        }
        if (timer != null) {
            timer.cancel(false);
        }
        current = null;
        pending.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        PendingExchange exchange;
        try {
            if (!request.decoderResult().isSuccess()) {
                closingOnPurpose = true;
                ctx.writeAndFlush(json(
                                HttpResponseStatus.BAD_REQUEST,
                                Unpooled.wrappedBuffer(ResponseBodies.badRequest("Malformed HTTP request", null)),
                                false))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            exchange = toExchange(request);
        } finally {
            request.release();
        }
        log.record(exchange.request());
        pending.addLast(exchange);
        if (current == null) {
            startNext(ctx);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Peers resetting connections is business as usual for a fake upstream; anything else
        // is a bug worth seeing in the test output.
        if (!(cause instanceof IOException)) {
            cause.printStackTrace();
        }
        ctx.close();
    }

    private static PendingExchange toExchange(FullHttpRequest request) {
        FakeRoute route = FakeRoute.resolve(request.method(), request.uri());
        String body = request.content().toString(UTF_8);
        RecordedRequest recorded = new RecordedRequest(
                request.method().name(),
                request.uri(),
                route.path(),
                request.headers().copy(),
                body,
                Instant.now(),
                route.deployment(),
                route.apiVersion());
        ParsedBody parsed = null;
        String parseError = null;
        if (route.kind() == FakeRoute.Kind.CHAT || route.kind() == FakeRoute.Kind.EMBEDDINGS) {
            try {
                parsed = ParsedBody.parse(body);
            } catch (IOException | RuntimeException e) {
                parseError = "We could not parse the JSON body of your request. (" + e.getMessage() + ")";
            }
        }
        return new PendingExchange(recorded, route, parsed, parseError, HttpUtil.isKeepAlive(request));
    }

    private void startNext(ChannelHandlerContext ctx) {
        PendingExchange exchange = pending.pollFirst();
        current = exchange;
        if (exchange == null) {
            return;
        }
        FakeRoute.Kind kind = exchange.route().kind();
        if (kind == FakeRoute.Kind.MODELS) {
            sendFull(ctx, exchange, HttpResponseStatus.OK, Unpooled.wrappedBuffer(ResponseBodies.MODELS), false);
        } else if (kind == FakeRoute.Kind.NOT_FOUND) {
            sendFull(
                    ctx,
                    exchange,
                    HttpResponseStatus.NOT_FOUND,
                    Unpooled.wrappedBuffer(ResponseBodies.notFound(
                            exchange.request().method(), exchange.route().path())),
                    false);
        } else {
            FakeUpstreamOptions.Snapshot settings = options.snapshot();
            runAfter(
                    ctx,
                    settings.latency(),
                    () -> new CompletionResponder(ctx, this, exchange, settings, ids).respond());
        }
    }

    /** Runs {@code task} on the event loop after {@code delay}, or at once when it is zero. */
    void runAfter(ChannelHandlerContext ctx, Duration delay, Runnable task) {
        if (delay.isZero()) {
            task.run();
            return;
        }
        timer = ctx.executor()
                .schedule(
                        () -> {
                            if (ctx.channel().isActive()) {
                                task.run();
                            }
                        },
                        delay.toNanos(),
                        TimeUnit.NANOSECONDS);
    }

    /** Writes a complete JSON response; {@code retryAfter} adds {@code retry-after: 1}. */
    void sendFull(
            ChannelHandlerContext ctx,
            PendingExchange exchange,
            HttpResponseStatus status,
            ByteBuf body,
            boolean retryAfter) {
        FullHttpResponse response = json(status, body, exchange.keepAlive());
        if (retryAfter) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        ctx.writeAndFlush(response).addListener(f -> responseDone(ctx, exchange, (ChannelFuture) f));
    }

    void sendFull(ChannelHandlerContext ctx, PendingExchange exchange, HttpResponseStatus status, String body) {
        sendFull(ctx, exchange, status, ByteBufUtil.writeUtf8(ctx.alloc(), body), false);
    }

    /** Called once the last byte of a response was written: serve the next request or close. */
    void responseDone(ChannelHandlerContext ctx, PendingExchange exchange, ChannelFuture written) {
        if (!written.isSuccess()) {
            ctx.close();
            return;
        }
        if (current != exchange) {
            return;
        }
        current = null;
        if (exchange.keepAlive()) {
            startNext(ctx);
        } else {
            closingOnPurpose = true;
            ctx.close();
        }
    }

    /** Closes with SO_LINGER 0 so the kernel sends a TCP RST instead of a FIN. */
    void reset(ChannelHandlerContext ctx) {
        closingOnPurpose = true;
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close();
    }

    /** Closes normally (FIN) without answering. */
    void closeWithoutResponse(ChannelHandlerContext ctx) {
        closingOnPurpose = true;
        ctx.close();
    }

    private static FullHttpResponse json(HttpResponseStatus status, ByteBuf body, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        return response;
    }
}
