package dev.tollgate.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last inbound handler of one client connection: runs its requests one at a time, in the order
 * they arrived, and so answers them in that order (HTTP/1.1 pipelining).
 *
 * <p>One read can hold several pipelined requests, and the decoder passes all of them on at once,
 * while a call is answered asynchronously. So a request that arrives while an earlier one is open
 * waits here, unread by any route: it is neither admitted nor billed, and it cannot answer before
 * the earlier one or close the connection under it. The next request starts when the previous
 * response has been written to the socket (not merely queued), so a client that does not read its
 * answers gets no more work done; reading stays paused meanwhile ({@link Exchange}), which bounds
 * the waiting requests to what one read held, and the HTTP codec accepts at most 128 unanswered
 * requests (beyond that it drops the rest and closes after the next response). A connection that
 * closes drops its waiting requests unanswered and unbilled.
 *
 * <p>A {@link Rejection} waits its turn the same way; answering it closes the connection.
 * The request is released once its route returns (routes parse what they need synchronously).
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);

    private final Router router;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    /** An exchange is open: its response is not fully written yet. */
    private boolean busy;
    /** Inside {@link #drain()}: an exchange finishing synchronously must not recurse into it. */
    private boolean draining;
    /** A rejection was answered: everything after it is dropped. */
    private boolean closing;

    RequestDispatcher(Router router) {
        this.router = router;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        waiting.add(msg);
        drain();
    }

    /** Starts waiting requests until one stays open or none is left; then reads again. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!busy && !closing) {
                if (!ctx.channel().isActive()) {
                    releaseWaiting(); // closed under them: never started, never billed
                    return;
                }
                Object next = waiting.poll();
                if (next == null) {
                    ctx.channel().config().setAutoRead(true);
                    return;
                }
                dispatch(next);
            }
        } finally {
            draining = false;
        }
    }

    private void dispatch(Object msg) {
        if (msg instanceof Rejection rejection) {
            closing = true;
            releaseWaiting();
            HttpResponses.error(ctx, rejection.failure(), false);
            return;
        }
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        busy = true;
        Exchange exchange = new Exchange(ctx, HttpUtil.isKeepAlive(request), this::exchangeDone);
        try {
            String path = new QueryStringDecoder(request.uri()).path();
            router.find(request.method(), path).handle(request, exchange);
        } catch (Throwable t) {
            exchange.error(t);
        } finally {
            request.release();
        }
    }

    /** The open exchange's response was written and the connection stays open: next request. */
    private void exchangeDone() {
        busy = false;
        drain(); // with nothing waiting it turns reading back on, which reads at once
    }

    /** The HTTP codec's refusal of a request beyond its pipelining limit (128 unanswered requests). */
    private static boolean pipelineDepthExceeded(Throwable cause) {
        return cause instanceof DecoderException
                && cause.getCause() instanceof IllegalStateException limit
                && String.valueOf(limit.getMessage()).startsWith("maxPipelineDepth");
    }

    private void releaseWaiting() {
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseWaiting();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (pipelineDepthExceeded(cause)) {
            // More unanswered requests than the codec keeps track of: it has dropped the excess and
            // closes the connection after the next response, so the open request is still answered.
            closing = true;
            releaseWaiting();
            if (!busy) {
                ctx.close();
            }
            return;
        }
        if (!(cause instanceof IOException)) {
            LOG.warn("Client connection failed: {}", cause.toString());
        }
        ctx.close();
    }
}
