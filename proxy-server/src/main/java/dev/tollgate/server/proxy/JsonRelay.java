package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.core.usage.UsageParser;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Refused;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Relays a non-streaming answer: collects the body, reads its usage, settles, then sends the very
 * same bytes to the client with the cost and rate-limit headers added.
 */
final class JsonRelay extends BufferedAnswerRelay {
    JsonRelay(RelayedCall call, Exchange exchange) {
        super(call, exchange);
    }

    @Override
    protected void complete(HttpResponse head, CompositeByteBuf content) {
        int status = head.status().code();
        if (status != 200) {
            call.end(new Refused(head, content));
            return;
        }
        Usage usage = readUsage(content);
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, head.status(), content, Headers.OUTGOING, Headers.OUTGOING_TRAILERS);
        ResponseHeaders.copyUpstream(head.headers(), res.headers());
        res.headers().setAll(call.answerHeaders(usage));
        call.end(new Answered(usage, () -> exchange.full(res)));
    }

    private Usage readUsage(ByteBuf content) {
        try (ByteBufInputStream in = new ByteBufInputStream(content.duplicate())) {
            Optional<Usage> reported = UsageParser.fromResponseBody(in);
            if (reported.isPresent() && reported.get().totalTokens() > 0) {
                return reported.get();
            }
        } catch (IOException e) {
            return call.estimate("");
        }
        // No usage reported (rare): count the answer's text locally, which needs the whole tree.
        JsonNode root;
        try (ByteBufInputStream in = new ByteBufInputStream(content.duplicate())) {
            root = Json.MAPPER.readTree((InputStream) in);
        } catch (IOException e) {
            return call.estimate("");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : root.path("choices")) {
            text.append(choice.path("message").path("content").asText(""));
        }
        return call.estimate(text.toString());
    }
}
