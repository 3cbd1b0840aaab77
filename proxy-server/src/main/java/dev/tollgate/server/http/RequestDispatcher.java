package dev.tollgate.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last inbound handler: finds the route and runs it. The request is released when this returns
 * (routes parse what they need synchronously). A failing route answers through its exchange.
 */
@ChannelHandler.Sharable
final class RequestDispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);
    private final Router router;

    RequestDispatcher(Router router) {
        super(true);
        this.router = router;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        Exchange exchange = new Exchange(ctx, HttpUtil.isKeepAlive(request));
        try {
            String path = new QueryStringDecoder(request.uri()).path();
            router.find(request.method(), path).handle(request, exchange);
        } catch (Throwable t) {
            exchange.error(t);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.warn("Client connection failed: {}", cause.toString());
        }
        ctx.close();
    }
}
