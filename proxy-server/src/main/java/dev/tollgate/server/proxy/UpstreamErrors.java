package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.routing.AttemptFailure;
import dev.tollgate.server.upstream.UpstreamFailure;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Maps upstream failures and error answers to what the client sees. Decides nothing else. */
final class UpstreamErrors {
    /** Upstream error bodies larger than this are never parsed to look for the OpenAI shape. */
    private static final int MAX_PARSED_BODY = 1 << 20;
    /** How much of an unrecognised error body the client's 502 quotes. */
    private static final int QUOTED_CHARS = 300;

    private UpstreamErrors() {}

    /** What a failure before the answer means for retries and fallbacks. */
    static AttemptFailure classify(Throwable cause) {
        if (cause instanceof UpstreamFailure f) {
            if (f.isTimeout()) {
                return AttemptFailure.TIMEOUT;
            }
            return f.kind() == UpstreamFailure.Kind.PROTOCOL ? AttemptFailure.OTHER : AttemptFailure.CONNECTION;
        }
        return AttemptFailure.OTHER;
    }

    /** What an error answer means for retries and fallbacks; a 400 is told apart by its error code and message. */
    static AttemptFailure classify(int status, ByteBuf body) {
        if (status != 400) {
            return AttemptFailure.ofAnswer(status, null, null);
        }
        if (body.readableBytes() == 0 || body.readableBytes() > MAX_PARSED_BODY) {
            return AttemptFailure.OTHER;
        }
        try {
            JsonNode e =
                    Json.MAPPER.readTree(body.toString(StandardCharsets.UTF_8)).path("error");
            String code = e.path("code").isTextual() ? e.path("code").textValue() : null;
            String message = e.isTextual() ? e.textValue() : e.path("message").asText(null);
            return AttemptFailure.ofAnswer(status, code, message);
        } catch (Exception notJson) {
            return AttemptFailure.ofAnswer(status, null, body.toString(StandardCharsets.UTF_8));
        }
    }

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
        if (body.readableBytes() == 0 || body.readableBytes() > MAX_PARSED_BODY) {
            return false;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body.toString(StandardCharsets.UTF_8));
            return n != null && n.path("error").isObject();
        } catch (Exception e) {
            return false;
        }
    }

    /** The upstream's error answer as the client's response: its status, body (owned) and end-to-end headers. */
    static FullHttpResponse passThrough(HttpResponse head, ByteBuf body) {
        var res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(), body);
        ResponseHeaders.copyUpstream(head.headers(), res.headers());
        return res;
    }

    /** A 502 for an error answer that is not OpenAI-shaped, quoting its start. Does not release {@code body}. */
    static TollgateException wrap(int status, ByteBuf body) {
        String snippet =
                body.toString(body.readerIndex(), Math.min(body.readableBytes(), QUOTED_CHARS), StandardCharsets.UTF_8);
        return new TollgateException(ErrorKind.UPSTREAM_ERROR, "Upstream returned HTTP " + status + ": " + snippet);
    }
}
