package dev.tollgate.server.http;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gives each request a deadline to arrive in full, head and body, counted from its first byte.
 * The idle timer alone cannot stop a client that trickles one byte every few seconds (slow-loris):
 * it is never idle, yet never finishes. Nor can a timer that starts with the decoded request head,
 * because a head trickled byte by byte is never decoded. So the deadline starts in front of the
 * HTTP decoder ({@link #requestStart()}: the first bytes other than the blank lines some clients
 * send between requests) and ends here, behind it, when the request's last content is decoded.
 *
 * <p>Past the deadline a {@link Rejection} (JSON 408) goes down the pipeline, answered after any
 * earlier pipelined request, and everything the client sends after it is dropped. A request that
 * begins in the read that ended the previous one starts its clock when its head is decoded or with
 * the next read, whichever comes first.
 */
final class RequestDeadlineHandler extends ChannelInboundHandlerAdapter {
    private final long deadlineMillis;
    private final ChannelHandler requestStart = new RequestStart();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    /** The request was rejected (here or before the decoder); the rest of the input is dropped. */
    private boolean rejected;

    RequestDeadlineHandler(long deadlineMillis) {
        this.deadlineMillis = deadlineMillis;
    }

    /** The handler to put in front of the HTTP decoder: it starts the clock on a request's first bytes. */
    ChannelHandler requestStart() {
        return requestStart;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected && msg instanceof HttpObject) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Rejection) {
            rejected = true;
            cancel();
        } else if (msg instanceof LastHttpContent) {
            cancel();
        } else if (msg instanceof HttpRequest) {
            arm(); // a head decoded from the read that ended the previous request
        }
        ctx.fireChannelRead(msg);
    }

    private void arm() {
        if (timer == null && !rejected && ctx != null) {
            timer = ctx.executor().schedule(this::expire, deadlineMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void expire() {
        timer = null;
        if (rejected || !ctx.channel().isActive()) {
            return;
        }
        rejected = true;
        ctx.fireChannelRead(new Rejection(new TollgateException(
                ErrorKind.REQUEST_TIMEOUT,
                "The request was not received in full within " + deadlineMillis / 1000 + " s.")));
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    /** In front of the decoder: the first significant bytes of a request start its deadline. */
    private final class RequestStart extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (timer == null && msg instanceof ByteBuf bytes && startsARequest(bytes)) {
                arm();
            }
            ctx.fireChannelRead(msg);
        }

        /** Anything but CR and LF: a decoder skips blank lines before a request line. */
        private boolean startsARequest(ByteBuf bytes) {
            return bytes.forEachByte(b -> b == '\r' || b == '\n') >= 0;
        }
    }
}
