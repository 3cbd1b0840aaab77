package dev.tollgate.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Closes connections whose client has sent nothing for the idle timeout (slow-loris, abandoned
 * keep-alive). A connection busy with a streamed response is kept: {@link InFlight} tells.
 */
final class IdleClientCloser extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !InFlight.isBusy(ctx.channel())) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
