package dev.tollgate.server.http;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates request bodies up to the configured limit. An oversized body (by Content-Length,
 * before any body byte, or by bytes received) becomes a {@link Rejection}: a JSON 413 instead of
 * Netty's empty one, answered in its turn after earlier pipelined requests, and then the
 * connection closes; the rest of the body is never passed on.
 */
final class JsonBodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;

    JsonBodyAggregator(int maxBytes) {
        super(maxBytes, true);
        this.maxBytes = maxBytes;
    }

    /**
     * No {@code 100 Continue} for a body declared over the limit: the aggregator then finds the
     * Content-Length too large and calls {@link #handleOversizedMessage} before any body byte.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        if (HttpUtil.getContentLength(start, -1L) > maxContentLength) {
            return null;
        }
        return super.newContinueResponse(start, maxContentLength, pipeline);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.fireChannelRead(new Rejection(new TollgateException(
                ErrorKind.PAYLOAD_TOO_LARGE,
                "Request body is larger than the limit of " + maxBytes
                        + " bytes (general_settings.max_request_body_bytes).")));
    }
}
