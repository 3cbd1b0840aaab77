package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.anthropic.AnthropicErrors;
import dev.tollgate.core.anthropic.MessagesStream;
import dev.tollgate.core.error.ErrorBody;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.sse.SseEvent;
import dev.tollgate.core.sse.SseRunSplitter;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Broken;
import dev.tollgate.server.proxy.RelayOutcome.Failed;
import dev.tollgate.server.proxy.RelayOutcome.Rejected;
import dev.tollgate.server.upstream.UpstreamFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/**
 * Relays an Anthropic event stream as an OpenAI chat completions stream: each upstream event is
 * translated ({@link MessagesStream}) and the chunks of one upstream read are written and flushed
 * once. After {@code message_stop} the client gets the usage chunk (when it asked for it) and
 * {@code [DONE]}. An {@code error} event, a failure, or an end without {@code message_stop} (a cut
 * stream) ends the client's stream with an SSE error event and no {@code [DONE]}; the call is then
 * charged its reported prompt and the output relayed so far. For a client that called
 * {@code /v1/messages} itself, the events are relayed as they are and only read for usage.
 */
final class AnthropicSseRelay implements Relay {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final RelayedCall call;
    private final Exchange exchange;
    private final boolean clientWantsUsage;
    private final MessagesStream stream;
    /** The client speaks the Messages API too: events are relayed as they are, only read for usage. */
    private final boolean passThrough;

    private UpstreamFlow flow;
    private SseRunSplitter splitter;
    private HttpResponse errorHead;
    private CompositeByteBuf errorBody;
    /** The translated events of the current upstream read, written when the read completes. */
    private StringBuilder out;

    private ChannelFuture lastWrite;
    private boolean headUnflushed;

    AnthropicSseRelay(RelayedCall call, Exchange exchange, boolean clientWantsUsage, Clock clock, boolean passThrough) {
        this.passThrough = passThrough;
        this.call = call;
        this.exchange = exchange;
        this.clientWantsUsage = clientWantsUsage;
        this.stream = new MessagesStream(clock.millis() / 1000);
    }

    @Override
    public void onResponse(HttpResponse head, UpstreamFlow flow) {
        this.flow = flow;
        if (head.status().code() != 200) {
            errorHead = head;
            errorBody = exchange.channel().alloc().compositeBuffer();
            return;
        }
        HttpHeaders headers = Headers.outgoing();
        ResponseHeaders.copyUpstream(head.headers(), headers);
        headers.setAll(call.answerHeaders(null));
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        headers.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        exchange.startStream(HttpResponseStatus.OK, headers);
        headUnflushed = true;
        splitter = new SseRunSplitter(exchange.channel().alloc());
    }

    @Override
    public void onContent(ByteBuf content, boolean last) {
        if (errorBody != null) {
            errorBody.addComponent(true, content);
            if (last) {
                rejected();
            }
            return;
        }
        if (splitter == null) {
            content.release();
            return;
        }
        ByteBuf run = splitter.feed(content);
        if (run != null) {
            translate(run);
        }
        if (splitter != null && last) {
            ByteBuf rest = splitter.drainRemainder();
            if (rest != null) {
                translate(rest);
            }
            if (splitter != null) {
                end();
            }
        }
    }

    /** Translates a run of whole events (owned); ends the stream at an error event. */
    private void translate(ByteBuf run) {
        try {
            SseRunSplitter.forEachEvent(run, event -> {
                if (splitter == null) {
                    return; // an error event already ended the stream
                }
                if (passThrough) {
                    append(event.toString(StandardCharsets.UTF_8), true);
                }
                String data = SseEvent.data(event);
                if (data == null || data.isBlank()) {
                    return;
                }
                JsonNode json;
                try {
                    json = Json.MAPPER.readTree(data);
                } catch (IOException e) {
                    broken(new TollgateException(ErrorKind.UPSTREAM_ERROR, "Anthropic sent an event that is not JSON"));
                    return;
                }
                List<String> chunks = stream.onEvent(json);
                if (!passThrough) {
                    chunks.forEach(c -> append(c, false));
                }
                if (stream.error() != null) {
                    broken(stream.error());
                }
            });
        } finally {
            run.release();
        }
    }

    /** Adds a chunk's JSON as a {@code data:} event, or (raw) an event as it is. */
    private void append(String chunk, boolean raw) {
        if (out == null) {
            out = new StringBuilder(256);
        }
        if (raw) {
            out.append(chunk);
            if (!chunk.endsWith("\n\n")) {
                out.append(chunk.endsWith("\n") ? "\n" : "\n\n"); // a last event without its blank line
            }
        } else {
            out.append("data: ").append(chunk).append("\n\n");
        }
    }

    @Override
    public void onReadComplete() {
        if (out == null) {
            if (headUnflushed) {
                headUnflushed = false;
                exchange.flush();
            }
            return;
        }
        headUnflushed = false;
        writePending();
        exchange.flush();
        if (!exchange.channel().isWritable() && flow != null) {
            flow.pause();
            lastWrite.addListener(f -> flow.resume());
        }
    }

    private void writePending() {
        if (out != null) {
            lastWrite = exchange.writeChunkLater(
                    Unpooled.wrappedBuffer(out.toString().getBytes(StandardCharsets.UTF_8)));
            out = null;
        }
    }

    /** The upstream's response ended: cleanly after {@code message_stop}, else the stream was cut. */
    private void end() {
        closeSplitter();
        if (!stream.finished()) {
            broken(new TollgateException(ErrorKind.UPSTREAM_ERROR, "Anthropic stream ended before message_stop"));
            return;
        }
        if (clientWantsUsage && !passThrough) {
            append(stream.usageChunk(), false);
        }
        writePending();
        Usage usage = usage();
        if (passThrough) {
            call.end(new Answered(usage, exchange::endStream)); // message_stop was relayed
            return;
        }
        call.end(new Answered(usage, () -> {
            exchange.writeChunkLater(Unpooled.wrappedBuffer(DONE));
            exchange.endStream();
        }));
    }

    /** Ends the client's stream with an error event after what was relayed so far. */
    private void broken(TollgateException error) {
        if (flow != null) {
            flow.cancel();
        }
        closeSplitter();
        writePending();
        ByteBuf event = passThrough
                ? anthropicErrorEvent(error)
                : Unpooled.wrappedBuffer(ErrorBody.sseEvent(error.kind(), error.getMessage()));
        call.end(new Broken(usage(), () -> exchange.abortStream(event)));
    }

    /**
     * For a Messages API client, the error event in Anthropic's shape; none when it was Anthropic's
     * own error event, which was relayed already.
     */
    private ByteBuf anthropicErrorEvent(TollgateException error) {
        if (error == stream.error()) {
            return null;
        }
        var body = Json.MAPPER.createObjectNode().put("type", "error");
        body.putObject("error").put("type", "api_error").put("message", error.getMessage());
        return Unpooled.wrappedBuffer(
                ("event: error\ndata: " + Json.string(body) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void onFailure(Throwable cause) {
        if (errorBody != null) {
            errorBody.release();
            errorBody = null;
        }
        if (splitter == null) {
            call.end(new Failed(cause));
            return;
        }
        broken(new TollgateException(
                ErrorKind.UPSTREAM_ERROR,
                "Upstream stream failed: " + UpstreamErrors.of(cause).getMessage()));
    }

    @Override
    public Usage abandon() {
        if (errorBody != null) {
            errorBody.release();
            errorBody = null;
        }
        closeSplitter();
        out = null;
        return usage();
    }

    private void closeSplitter() {
        if (splitter != null) {
            splitter.close();
            splitter = null;
        }
    }

    /**
     * The reported usage once the output count came ({@code message_delta}); before that, the
     * reported prompt with the output counted from what was relayed, marked estimated.
     */
    private Usage usage() {
        Usage reported = stream.usage();
        if (stream.outputReported()) {
            return reported;
        }
        Usage counted = call.estimate(stream.text());
        long prompt = reported.promptTokens() > 0 ? reported.promptTokens() : counted.promptTokens();
        return new Usage(
                prompt, counted.completionTokens(), reported.cachedTokens(), true, reported.cacheWriteTokens());
    }

    private void rejected() {
        CompositeByteBuf body = errorBody;
        errorBody = null;
        String text = body.toString(StandardCharsets.UTF_8);
        body.release();
        call.end(new Rejected(AnthropicErrors.of(
                errorHead.status().code(), text, errorHead.headers().get(HttpHeaderNames.RETRY_AFTER))));
    }
}
