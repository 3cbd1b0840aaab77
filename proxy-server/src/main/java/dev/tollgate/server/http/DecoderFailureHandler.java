package dev.tollgate.server.http;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Turns HTTP decoding failures (URL or headers over the limit, garbage on the wire) into a
 * {@link Rejection}, answered with a JSON error in its turn, after which the connection closes:
 * after a framing error the byte stream cannot be trusted, so everything after it is dropped.
 */
final class DecoderFailureHandler extends ChannelInboundHandlerAdapter {
    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject obj && obj.decoderResult().isFailure()) {
            failed = true;
            DecoderResult result = obj.decoderResult();
            ReferenceCountUtil.release(msg);
            ctx.fireChannelRead(new Rejection(classify(result.cause())));
            return;
        }
        ctx.fireChannelRead(msg);
    }

    static TollgateException classify(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new TollgateException(ErrorKind.URI_TOO_LONG, "Request line is too long.");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new TollgateException(ErrorKind.HEADERS_TOO_LARGE, "Request headers are too large.");
        }
        if (cause instanceof TooLongFrameException) {
            return new TollgateException(ErrorKind.HEADERS_TOO_LARGE, "Request headers are too large.");
        }
        return new TollgateException(ErrorKind.INVALID_REQUEST, "Malformed HTTP request.");
    }
}
