package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.anthropic.AnthropicErrors;
import dev.tollgate.core.anthropic.MessagesResponse;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Failed;
import dev.tollgate.server.proxy.RelayOutcome.Refused;
import dev.tollgate.server.proxy.RelayOutcome.Rejected;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Relays a non-streaming Anthropic answer: collects the Messages API body, translates it into a
 * {@code chat.completion} ({@link MessagesResponse}) and reads its usage; an error answer becomes
 * the mapped OpenAI-shaped error ({@link AnthropicErrors}). For a client that called
 * {@code /v1/messages} itself, answer and errors are relayed as Anthropic sent them.
 */
final class AnthropicJsonRelay extends BufferedAnswerRelay {
    private final Clock clock;
    /** The client speaks the Messages API too: the answer is relayed as it is, only its usage read. */
    private final boolean passThrough;

    AnthropicJsonRelay(RelayedCall call, Exchange exchange, Clock clock, boolean passThrough) {
        super(call, exchange);
        this.clock = clock;
        this.passThrough = passThrough;
    }

    @Override
    protected void complete(HttpResponse head, CompositeByteBuf content) {
        int status = head.status().code();
        if (status != 200) {
            if (passThrough) {
                call.end(new Refused(head, content)); // Anthropic's own error, for an Anthropic client
                return;
            }
            String text = content.toString(StandardCharsets.UTF_8);
            content.release();
            call.end(
                    new Rejected(AnthropicErrors.of(status, text, head.headers().get(HttpHeaderNames.RETRY_AFTER))));
            return;
        }
        JsonNode message;
        try (InputStream in = new ByteBufInputStream(content.duplicate())) {
            message = Json.MAPPER.readTree(in);
        } catch (IOException e) {
            content.release();
            call.end(new Failed(new IOException("Anthropic answer is not JSON: " + e.getMessage(), e)));
            return;
        }
        Usage usage = MessagesResponse.usage(message);
        if (usage.totalTokens() == 0) {
            // No usage reported (never seen from Anthropic, possible from a compatible server): count locally.
            usage = call.estimate(MessagesResponse.text(message));
        }
        ByteBuf answer;
        if (passThrough) {
            answer = content;
        } else {
            content.release();
            answer = Unpooled.wrappedBuffer(Json.bytes(MessagesResponse.toChat(message, clock.millis() / 1000)));
        }
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, answer, Headers.OUTGOING, Headers.OUTGOING_TRAILERS);
        ResponseHeaders.copyUpstream(head.headers(), res.headers());
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        res.headers().setAll(call.answerHeaders(usage));
        call.end(new Answered(usage, () -> exchange.full(res)));
    }
}
