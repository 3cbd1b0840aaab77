package dev.tollgate.server.http;

import dev.tollgate.core.anthropic.AnthropicErrors;
import dev.tollgate.core.error.ErrorBody;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes complete responses. {@link #error} is the one place where any failure becomes a status
 * and the OpenAI error body: a {@link TollgateException} renders as itself, anything else is a
 * bug and becomes a 500 whose body never contains a stack trace.
 */
public final class HttpResponses {
    private static final Logger LOG = LoggerFactory.getLogger(HttpResponses.class);

    private HttpResponses() {}

    public static void send(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Maps any failure to its response. Keeps the connection open when HTTP allows. */
    public static void error(ChannelHandlerContext ctx, Throwable failure, boolean keepAlive) {
        send(ctx, errorResponse(failure), keepAlive && ctx.channel().isActive());
    }

    /** The one place a failure becomes a response: status, OpenAI error body, the failure's headers. */
    public static FullHttpResponse errorResponse(Throwable failure) {
        return errorResponse(failure, false);
    }

    /** As {@link #errorResponse(Throwable)}, with Anthropic's error body when {@code anthropic}. */
    public static FullHttpResponse errorResponse(Throwable failure, boolean anthropic) {
        TollgateException e = toTollgate(failure);
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(e.status()),
                Unpooled.wrappedBuffer(anthropic ? AnthropicErrors.bytes(e) : ErrorBody.bytes(e)));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            res.headers().set(h.getKey(), h.getValue());
        }
        return res;
    }

    /** Unwraps futures' wrappers; anything that is not a TollgateException is an internal error. */
    public static TollgateException toTollgate(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TollgateException te) {
            return te;
        }
        if (t instanceof SQLException) {
            LOG.warn("Database unavailable: {}", t.toString());
            return new TollgateException(
                    ErrorKind.SERVICE_UNAVAILABLE,
                    "Database unavailable; admin changes cannot be made right now. Retry shortly.",
                    null,
                    503,
                    Map.of("retry-after", "5"));
        }
        LOG.error("Unexpected failure while handling a request", t);
        return new TollgateException(
                ErrorKind.INTERNAL,
                "Internal server error. The failure was logged; please retry or contact the operator.");
    }
}
