package dev.tollgate.server.http;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates request bodies up to the configured limit and answers an oversized body (by
 * Content-Length or by bytes received) with a JSON 413 instead of Netty's empty one, then
 * closes: the rest of the body is never read.
 */
final class JsonBodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;

    JsonBodyAggregator(int maxBytes) {
        super(maxBytes, true);
        this.maxBytes = maxBytes;
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        if (HttpUtil.getContentLength(start, -1L) > maxContentLength) {
            return tooLarge();
        }
        return super.newContinueResponse(start, maxContentLength, pipeline);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.writeAndFlush(tooLarge()).addListener(ChannelFutureListener.CLOSE);
    }

    private FullHttpResponse tooLarge() {
        FullHttpResponse res = HttpResponses.errorResponse(new TollgateException(
                ErrorKind.PAYLOAD_TOO_LARGE,
                "Request body is larger than the limit of " + maxBytes
                        + " bytes (general_settings.max_request_body_bytes)."));
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return res;
    }
}
