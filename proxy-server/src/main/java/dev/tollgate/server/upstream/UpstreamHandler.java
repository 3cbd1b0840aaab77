package dev.tollgate.server.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * Last handler of an upstream connection: hands response parts to the call currently using the
 * connection, or releases them when there is none (a late byte after a cancel).
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<UpstreamCall> CALL = AttributeKey.valueOf("tollgate.upstream.call");

    static void attach(Channel ch, UpstreamCall call) {
        ch.attr(CALL).set(call);
    }

    static void detach(Channel ch) {
        ch.attr(CALL).set(null);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamCall call = ctx.channel().attr(CALL).get();
        if (call == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse head) {
            if (head.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                call.fail(
                        new UpstreamFailure(UpstreamFailure.Kind.PROTOCOL, "Upstream sent a malformed HTTP response"));
                return;
            }
            call.onHead(head);
        }
        if (msg instanceof HttpContent content) {
            call.onContent(content.content(), msg instanceof LastHttpContent);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // The relay flushes what this read produced, once.
        UpstreamCall call = ctx.channel().attr(CALL).get();
        if (call != null) {
            call.onReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamCall call = ctx.channel().attr(CALL).get();
        if (call != null && !call.isDone()) {
            call.fail(new UpstreamFailure(
                    UpstreamFailure.Kind.RESET, "Upstream closed the connection before the response ended"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamCall call = ctx.channel().attr(CALL).get();
        if (call != null && !call.isDone()) {
            call.fail(new UpstreamFailure(
                    UpstreamFailure.Kind.RESET,
                    cause instanceof IOException
                            ? "Upstream connection reset: " + cause.getMessage()
                            : "Upstream connection failed: " + cause));
        }
        ctx.close();
    }
}
