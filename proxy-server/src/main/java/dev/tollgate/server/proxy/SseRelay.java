package dev.tollgate.server.proxy;

import dev.tollgate.core.error.ErrorBody;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.sse.SseEvent;
import dev.tollgate.core.sse.SseRunSplitter;
import dev.tollgate.core.usage.ChunkView;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.core.usage.UsageParser;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Broken;
import dev.tollgate.server.proxy.RelayOutcome.Failed;
import dev.tollgate.server.proxy.RelayOutcome.Refused;
import dev.tollgate.server.upstream.UpstreamFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * Relays an SSE stream, forwarding the upstream's bytes untouched: the whole events of each
 * upstream read are gathered into one chunk, written and flushed once per read. Only a run of
 * events holding a usage object is looked into, event by event: its usage is recorded, and the
 * usage-only chunk is dropped when the proxy (not the client) asked for it. Reading upstream stops
 * while the client is not writable. A failure after the headers ends the stream with an SSE
 * error event and no {@code [DONE]}.
 */
final class SseRelay implements Relay {
    private static final byte[] USAGE_KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

    private final RelayedCall call;
    private final Exchange exchange;
    /** The client asked for the usage chunk itself (else the proxy asked for it and drops it). */
    private final boolean clientWantsUsage;

    private UpstreamFlow flow;
    private SseRunSplitter splitter;
    private CompositeByteBuf errorBody;
    private HttpResponse errorHead;
    /** Kept until usage arrives, for a local count if it never does. */
    private StreamText text = new StreamText();

    private Usage reported;
    private ChannelFuture lastWrite;
    /** The events relayed during the current upstream read, written as one chunk when the read completes. */
    private ByteBuf out;
    /** The response head was written and waits for this read's flush. */
    private boolean headUnflushed;

    SseRelay(RelayedCall call, Exchange exchange, boolean clientWantsUsage) {
        this.call = call;
        this.exchange = exchange;
        this.clientWantsUsage = clientWantsUsage;
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
        // No cost header: the cost is known only at the end of the stream (the spend is still exact).
        headers.setAll(call.answerHeaders(null));
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        headers.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        exchange.startStream(head.status(), headers);
        headUnflushed = true;
        splitter = new SseRunSplitter(exchange.channel().alloc());
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
        ByteBuf run = splitter.feed(content);
        if (run != null) {
            relay(run);
        }
        if (last) {
            endOfStream();
        }
    }

    /**
     * One write and one flush (one system call) per upstream read: a read often carries many HTTP
     * chunks of the upstream's response, each relayed into {@link #out}, and writing or flushing
     * each on its own would cost a pipeline pass and a system call per event.
     */
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
        if (!exchange.channel().isWritable()) {
            // Back-pressure: read no more upstream bytes until the client drained what it has.
            flow.pause();
            lastWrite.addListener(f -> flow.resume());
        }
    }

    private void writePending() {
        if (out != null) {
            lastWrite = exchange.writeChunkLater(out);
            out = null;
        }
    }

    /** Adds events (owned) to this read's chunk without copying them; the framing copies small chunks once. */
    private void append(ByteBuf events) {
        if (out == null) {
            out = events;
            return;
        }
        if (!(out instanceof CompositeByteBuf)) {
            CompositeByteBuf c = exchange.channel().alloc().compositeDirectBuffer(32);
            c.addComponent(true, out);
            out = c;
        }
        ((CompositeByteBuf) out).addComponent(true, events);
    }

    private void dropPending() {
        if (out != null) {
            out.release();
            out = null;
        }
    }

    /** Forwards a run of whole events (owned); only a run with a usage object is taken apart. */
    private void relay(ByteBuf run) {
        if (text != null) {
            text.add(run);
        }
        if (!carriesUsage(run)) {
            append(run);
            return;
        }
        try {
            SseRunSplitter.forEachEvent(run, event -> {
                if (keep(event)) {
                    append(event.retainedSlice());
                }
            });
        } finally {
            run.release();
        }
    }

    /** Records the usage an event carries; false for the usage-only chunk the client did not ask for. */
    private boolean keep(ByteBuf event) {
        if (!carriesUsage(event)) {
            return true;
        }
        String data = SseEvent.data(event);
        if (data == null || SseEvent.isDone(data)) {
            return true;
        }
        try {
            ChunkView view = UsageParser.viewChunk(Json.MAPPER.readTree(data));
            if (view.usage().isPresent()) {
                reported = view.usage().get();
                if (reported.totalTokens() > 0) {
                    text = null; // the count is known: the kept text will not be needed
                }
            }
            return !(view.usageOnly() && !clientWantsUsage);
        } catch (Exception notJson) {
            return true; // not ours to judge: forward it as the upstream sent it
        }
    }

    /** Whether a run has a {@code "usage"} key with an object (not {@code null}) as its value. */
    static boolean carriesUsage(ByteBuf run) {
        return run.forEachByte(run.readerIndex(), run.readableBytes(), new UsageObjectFinder()) >= 0;
    }

    /**
     * A one-pass matcher of {@code "usage"}, optional spaces and colons, then {@code '{'}: stops
     * (returns false) on that brace. One small automaton over the bytes is much cheaper than
     * searching for every quote and comparing from there.
     */
    private static final class UsageObjectFinder implements ByteProcessor {
        /** 0: outside; 1..6: that many bytes of {@code "usage"} matched; 7: the whole key, now in spaces and colons. */
        private int state;

        @Override
        public boolean process(byte b) {
            if (state == USAGE_KEY.length) {
                if (b == '{') {
                    return false;
                }
                if (b == ' ' || b == ':') {
                    return true;
                }
                state = 0;
            } else if (b == USAGE_KEY[state]) {
                state++;
                return true;
            }
            state = b == '"' ? 1 : 0;
            return true;
        }
    }

    /** As {@link #carriesUsage(ByteBuf)}, for one event's data. */
    static boolean carriesUsage(String data) {
        return carriesUsage(Unpooled.wrappedBuffer(data.getBytes(StandardCharsets.UTF_8)));
    }

    private void endOfStream() {
        ByteBuf rest = splitter.drainRemainder();
        splitter.close();
        splitter = null;
        if (rest != null) {
            relay(rest);
        }
        writePending();
        call.end(new Answered(usage(), exchange::endStream));
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
        splitter.close();
        splitter = null;
        writePending(); // what the upstream sent before failing still reaches the client
        ByteBuf event = Unpooled.wrappedBuffer(ErrorBody.sseEvent(
                ErrorKind.UPSTREAM_ERROR,
                "Upstream stream failed: " + UpstreamErrors.of(cause).getMessage()));
        call.end(new Broken(usage(), () -> exchange.abortStream(event)));
    }

    @Override
    public Usage abandon() {
        if (errorBody != null) {
            errorBody.release();
            errorBody = null;
        }
        if (splitter != null) {
            splitter.close();
            splitter = null;
        }
        dropPending();
        return usage();
    }

    /** Reported usage when the upstream sent it, else counted from what was produced so far. */
    private Usage usage() {
        if (reported != null && reported.totalTokens() > 0) {
            return reported;
        }
        return call.estimate(text == null ? "" : text.text());
    }

    private void failBeforeStream() {
        CompositeByteBuf body = errorBody;
        errorBody = null;
        call.end(new Refused(errorHead, body));
    }
}
