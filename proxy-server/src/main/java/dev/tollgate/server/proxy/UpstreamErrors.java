package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.upstream.UpstreamFailure;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Maps upstream failures to what the client sees. */
final class UpstreamErrors {
    private UpstreamErrors() {}

    static TollgateException of(Throwable cause) {
        if (cause instanceof UpstreamFailure f) {
            return new TollgateException(
                    f.isTimeout() ? ErrorKind.UPSTREAM_TIMEOUT : ErrorKind.UPSTREAM_ERROR, f.getMessage());
        }
        return new TollgateException(ErrorKind.UPSTREAM_ERROR, "Upstream call failed: " + cause);
    }

    /**
     * True when an upstream error body already has the OpenAI error shape, so it can be passed
     * through with the upstream status untouched (SDKs then see the provider's own message).
     */
    static boolean isOpenAiError(ByteBuf body) {
        if (body.readableBytes() == 0 || body.readableBytes() > 1 << 20) {
            return false;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body.toString(StandardCharsets.UTF_8));
            return n != null && n.path("error").isObject();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Answers a non-200 upstream response (takes ownership of {@code body}): an OpenAI-shaped
     * error passes through with its status; anything else becomes a 502 quoting the start of it.
     */
    static void answer(ProxyCall call, Exchange exchange, HttpResponse head, ByteBuf body) {
        int status = head.status().code();
        if (isOpenAiError(body)) {
            var res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(), body);
            ResponseHeaders.copyUpstream(head.headers(), res.headers());
            call.finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, status, () -> exchange.full(res));
        } else {
            TollgateException error = wrap(status, body);
            body.release();
            call.finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, 502, () -> exchange.error(error));
        }
    }

    static TollgateException wrap(int status, ByteBuf body) {
        String snippet = body.toString(body.readerIndex(), Math.min(body.readableBytes(), 300), StandardCharsets.UTF_8);
        return new TollgateException(ErrorKind.UPSTREAM_ERROR, "Upstream returned HTTP " + status + ": " + snippet);
    }
}
