package dev.tollgate.server.http;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gives each request a deadline to arrive in full. The idle timer alone cannot stop a client
 * that trickles one byte every few seconds (slow-loris): it is never idle, yet never finishes.
 * Past the deadline the client gets a JSON 408 and the connection is closed.
 */
final class RequestDeadlineHandler extends ChannelInboundHandlerAdapter {
    private final long deadlineMillis;
    private ScheduledFuture<?> timer;

    RequestDeadlineHandler(long deadlineMillis) {
        this.deadlineMillis = deadlineMillis;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && timer == null) {
            timer = ctx.executor().schedule(() -> expire(ctx), deadlineMillis, TimeUnit.MILLISECONDS);
        }
        if (msg instanceof LastHttpContent) {
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    private void expire(ChannelHandlerContext ctx) {
        timer = null;
        HttpResponses.error(
                ctx,
                new TollgateException(
                        ErrorKind.REQUEST_TIMEOUT,
                        "The request was not received in full within " + deadlineMillis / 1000 + " s."),
                false);
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
}
