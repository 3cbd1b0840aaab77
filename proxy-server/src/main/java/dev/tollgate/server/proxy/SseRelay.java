package dev.tollgate.server.proxy;

import dev.tollgate.core.error.ErrorBody;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.sse.SseEvent;
import dev.tollgate.core.sse.SseEventSplitter;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.core.usage.UsageParser;
import dev.tollgate.server.http.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Relays an SSE stream event by event, forwarding each event's bytes untouched. It reads usage
 * from the chunks, drops the usage-only chunk when the proxy (not the client) asked for it, and
 * stops reading upstream while the client is not writable. A failure after the headers ends the
 * stream with an SSE error event and no {@code [DONE]}.
 */
final class SseRelay implements Relay {
    private final ProxyCall call;
    private final Exchange exchange;
    private final CompletionRequest request;
    private SseEventSplitter splitter;
    private CompositeByteBuf errorBody;
    private HttpResponse errorHead;
    private final StringBuilder text = new StringBuilder();
    /** Chunks not parsed yet (no usage in them), kept until the stream shows whether usage comes. */
    private java.util.List<String> deferred = new java.util.ArrayList<>();
    private long deferredChars;
    private static final long MAX_DEFERRED_CHARS = 1 << 20;
    private Usage reported;
    private ChannelFuture lastWrite;

    SseRelay(ProxyCall call, Exchange exchange, CompletionRequest request) {
        this.call = call;
        this.exchange = exchange;
        this.request = request;
    }

    @Override
    public void onResponse(HttpResponse head) {
        if (head.status().code() != 200) {
            errorHead = head;
            errorBody = exchange.channel().alloc().compositeBuffer();
            return;
        }
        HttpHeaders headers = new io.netty.handler.codec.http.DefaultHttpHeaders();
        ResponseHeaders.copyUpstream(head.headers(), headers);
        headers.setAll(call.responseHeaders(0));
        // The cost is known only at the end of the stream; the spend is still recorded exactly.
        headers.remove("x-litellm-response-cost");
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        headers.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        exchange.startStream(head.status(), headers);
        splitter = new SseEventSplitter(exchange.channel().alloc());
    }

    @Override
    public void onContent(ByteBuf content, boolean last) {
        if (errorBody != null) {
            errorBody.addComponent(true, content);
            if (last) {
                failBeforeStream();
            }
            return;
        }
        if (splitter == null) {
            content.release();
            return;
        }
        ChannelFuture before = lastWrite;
        splitter.feed(content, this::onEvent);
        if (lastWrite != before) {
            // One flush (one system call) per upstream read instead of one per event.
            exchange.flush();
        }
        if (last) {
            endOfStream();
            return;
        }
        if (lastWrite != null && !exchange.channel().isWritable()) {
            // Back-pressure: read no more upstream bytes until the client drained what it has.
            call.upstream().pause();
            lastWrite.addListener(f -> call.upstream().resume());
        }
    }

    private void onEvent(ByteBuf event) {
        String data = SseEvent.data(event);
        if (data != null && !SseEvent.isDone(data)) {
            if (carriesUsage(data)) {
                try {
                    dev.tollgate.core.usage.ChunkView view = UsageParser.viewChunk(Json.MAPPER.readTree(data));
                    text.append(view.contentDelta());
                    if (view.usage().isPresent()) {
                        reported = view.usage().get();
                    }
                    if (view.usageOnly() && !request.clientWantsUsage()) {
                        event.release();
                        return;
                    }
                } catch (Exception notJson) {
                    // Not ours to judge: forward it as the upstream sent it.
                }
            } else {
                defer(data);
            }
        }
        lastWrite = exchange.writeChunkLater(event);
    }

    /**
     * Whether a chunk has a {@code "usage"} object (not {@code null}). Only those are parsed as
     * they pass: the content of the others matters only if the stream ends without usage.
     */
    static boolean carriesUsage(String data) {
        int at = data.indexOf("\"usage\"");
        while (at >= 0) {
            int i = at + 7;
            while (i < data.length() && (data.charAt(i) == ' ' || data.charAt(i) == ':')) {
                i++;
            }
            if (i < data.length() && data.charAt(i) == '{') {
                return true;
            }
            at = data.indexOf("\"usage\"", at + 7);
        }
        return false;
    }

    /** Keeps a chunk's text for a later estimate; past a cap the chunks are parsed right away instead. */
    private void defer(String data) {
        if (deferred != null && deferredChars + data.length() <= MAX_DEFERRED_CHARS) {
            deferred.add(data);
            deferredChars += data.length();
            return;
        }
        parseDeferred();
        deferred = null;
        appendContent(data);
    }

    private void parseDeferred() {
        if (deferred != null) {
            for (String d : deferred) {
                appendContent(d);
            }
            deferred.clear();
            deferredChars = 0;
        }
    }

    private void appendContent(String data) {
        try {
            text.append(UsageParser.viewChunk(Json.MAPPER.readTree(data)).contentDelta());
        } catch (Exception notJson) {
            // Nothing to count.
        }
    }

    private void endOfStream() {
        ByteBuf rest = splitter.drainRemainder();
        if (rest != null) {
            lastWrite = exchange.writeChunk(rest);
        }
        splitter.close();
        splitter = null;
        call.finish(usage(), CallRecord.Outcome.OK, 200, exchange::endStream);
    }

    @Override
    public void onFailure(Throwable cause) {
        if (errorBody != null) {
            errorBody.release();
            errorBody = null;
        }
        if (splitter == null) {
            call.finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, 502, () -> exchange.error(UpstreamErrors.of(cause)));
            return;
        }
        splitter.close();
        splitter = null;
        ByteBuf event = Unpooled.wrappedBuffer(ErrorBody.sseEvent(ErrorKind.UPSTREAM_ERROR,
                "Upstream stream failed: " + UpstreamErrors.of(cause).getMessage()));
        call.finish(usage(), CallRecord.Outcome.UPSTREAM_FAILED, 200, () -> exchange.abortStream(event));
    }

    @Override
    public void clientGone() {
        if (errorBody != null) {
            errorBody.release();
            errorBody = null;
        }
        if (splitter != null) {
            splitter.close();
            splitter = null;
        }
        call.finish(usage(), CallRecord.Outcome.CLIENT_CANCELLED, 499, () -> { });
    }

    /** Reported usage when the upstream sent it, else counted from what was produced so far. */
    private Usage usage() {
        if (reported != null && reported.totalTokens() > 0) {
            return reported;
        }
        parseDeferred();
        return call.estimate(text.toString());
    }

    private void failBeforeStream() {
        CompositeByteBuf body = errorBody;
        errorBody = null;
        UpstreamErrors.answer(call, exchange, errorHead, body);
    }
}
