package dev.tollgate.server.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.pool.ChannelPool;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UpstreamCall} and {@link UpstreamHandler} on an upstream connection that is an
 * {@code EmbeddedChannel} with the real HTTP client codec: the response reaches the listener part
 * by part, the connection goes back to its pool or is closed, back-pressure switches reading off
 * and on, and resets, timeouts (on the channel's own clock, no sleeping) and cancels each end the
 * call once.
 */
class UpstreamCallTest {
    static {
        LeakGuard.install();
    }

    private static final Duration FIRST_BYTE = Duration.ofSeconds(5);
    private static final Duration TOTAL = Duration.ofSeconds(60);
    private static final String STREAM_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

    private EmbeddedChannel upstream;
    private final Listener listener = new Listener();
    private final Pool pool = new Pool();
    private UpstreamCall call;

    @BeforeEach
    void connect() {
        upstream = new EmbeddedChannel(new HttpClientCodec(), new UpstreamHandler());
        upstream.freezeTime();
        call = new UpstreamCall(upstream.eventLoop(), listener);
        call.armTimers(FIRST_BYTE, TOTAL);
        call.attach(pool, upstream);
        UpstreamHandler.attach(upstream, call);
        upstream.writeAndFlush(
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions"));
        assertThat(drainOutbound()).startsWith("POST /v1/chat/completions HTTP/1.1");
    }

    @AfterEach
    void nothingLeftInTheChannel() {
        drainOutbound();
        assertThat(upstream.finishAndReleaseAll()).isFalse();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private String drainOutbound() {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = upstream.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                sb.append(b.toString(StandardCharsets.US_ASCII));
            }
            ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }

    private void receive(String wire) {
        upstream.writeInbound(upstream.alloc().directBuffer().writeBytes(wire.getBytes(StandardCharsets.UTF_8)));
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    @Test
    void theResponseReachesTheListenerAndTheConnectionGoesBackToThePool() {
        receive(STREAM_HEAD + chunk("data: one\n\n"));
        assertThat(listener.head.status().code()).isEqualTo(200);
        assertThat(listener.content).containsExactly("data: one\n\n");
        assertThat(listener.readCompletes).isEqualTo(1);
        assertThat(pool.released).isEmpty();

        receive(chunk("data: two\n\n") + "0\r\n\r\n");
        assertThat(listener.content).containsExactly("data: one\n\n", "data: two\n\n", "");
        assertThat(listener.ended).isTrue();
        assertThat(listener.failure).isNull();
        assertThat(pool.released).containsExactly(upstream);
        assertThat(upstream.isOpen()).as("kept alive for the next call").isTrue();

        receive("HTTP/1.1 200 OK\r\n"); // stray bytes after the call: nobody listens any more
        assertThat(listener.content).hasSize(3);
    }

    @Test
    void pausingStopsReadingUntilResumedAndThePooledConnectionReadsAgain() {
        receive(STREAM_HEAD);
        listener.flow.pause();
        assertThat(upstream.config().isAutoRead()).isFalse();
        listener.flow.resume();
        assertThat(upstream.config().isAutoRead()).isTrue();

        listener.flow.pause();
        receive(chunk("data: last\n\n") + "0\r\n\r\n");
        assertThat(listener.ended).isTrue();
        assertThat(upstream.config().isAutoRead())
                .as("a pooled connection reads on its own (a close, stray bytes)")
                .isTrue();
    }

    @Test
    void anUpstreamThatClosesMidResponseFailsTheCallOnce() {
        receive(STREAM_HEAD + chunk("data: one\n\n"));
        upstream.close();

        assertThat(listener.failure)
                .isInstanceOfSatisfying(
                        UpstreamFailure.class, f -> assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.RESET));
        assertThat(listener.failures).isEqualTo(1);
        assertThat(listener.ended).isFalse();
    }

    @Test
    void aConnectionResetFailsTheCallAndClosesTheConnection() {
        receive(STREAM_HEAD);
        upstream.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

        assertThat(listener.failure)
                .isInstanceOf(UpstreamFailure.class)
                .hasMessage("Upstream connection reset: Connection reset by peer");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(listener.failures).isEqualTo(1);
    }

    @Test
    void noAnswerWithinTheFirstByteTimeoutFailsTheCall() {
        upstream.advanceTimeBy(FIRST_BYTE.toMillis() - 1, TimeUnit.MILLISECONDS);
        upstream.runScheduledPendingTasks();
        assertThat(listener.failure).isNull();

        upstream.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        upstream.runScheduledPendingTasks();
        assertThat(listener.failure).isInstanceOfSatisfying(UpstreamFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.FIRST_BYTE_TIMEOUT);
            assertThat(f.isTimeout()).isTrue();
        });
        assertThat(upstream.isOpen()).as("never reused after a timeout").isFalse();
    }

    @Test
    void aStreamLongerThanTheTotalTimeoutFailsTheCall() {
        receive(STREAM_HEAD);
        upstream.advanceTimeBy(TOTAL.toMillis(), TimeUnit.MILLISECONDS);
        upstream.runScheduledPendingTasks();

        assertThat(listener.failure)
                .isInstanceOfSatisfying(
                        UpstreamFailure.class, f -> assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.TOTAL_TIMEOUT));
        assertThat(listener.failures).isEqualTo(1);
    }

    @Test
    void aCancelledCallClosesTheConnectionAndHearsNothingMore() {
        receive(STREAM_HEAD + chunk("data: one\n\n"));
        call.cancel();

        assertThat(upstream.isOpen()).isFalse();
        assertThat(listener.failure)
                .as("the canceller knows; no failure is reported")
                .isNull();
        assertThat(listener.content).containsExactly("data: one\n\n");
        upstream.advanceTimeBy(TOTAL.toMillis(), TimeUnit.MILLISECONDS);
        upstream.runScheduledPendingTasks();
        assertThat(listener.failure).as("timers are cancelled").isNull();
    }

    @Test
    void aResponseThatClosesTheConnectionIsNotReused() {
        receive("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");

        assertThat(listener.ended).isTrue();
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void anErrorStatusIsPassedOnLikeAnyAnswer() {
        receive("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 13\r\n\r\n{\"error\":{}}\n");

        assertThat(listener.head.status().code()).isEqualTo(429);
        assertThat(String.join("", listener.content)).isEqualTo("{\"error\":{}}\n");
        assertThat(listener.ended).isTrue();
        assertThat(pool.released).containsExactly(upstream);
    }

    @Test
    void aMalformedResponseIsAProtocolFailure() {
        receive("HTTP/1.1 abc\r\n\r\n");

        assertThat(listener.failure)
                .isInstanceOfSatisfying(
                        UpstreamFailure.class, f -> assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.PROTOCOL));
        assertThat(upstream.isOpen()).isFalse();
    }

    /** Records what the call reports; releases content after reading it. */
    private static final class Listener implements UpstreamListener {
        HttpResponse head;
        UpstreamFlow flow;
        final List<String> content = new ArrayList<>();
        boolean ended;
        Throwable failure;
        int failures;
        int readCompletes;

        @Override
        public void onResponse(HttpResponse head, UpstreamFlow flow) {
            this.head = head;
            this.flow = flow;
        }

        @Override
        public void onContent(ByteBuf content, boolean last) {
            this.content.add(content.toString(StandardCharsets.UTF_8));
            content.release();
            ended = last;
        }

        @Override
        public void onFailure(Throwable cause) {
            failure = cause;
            failures++;
        }

        @Override
        public void onReadComplete() {
            readCompletes++;
        }
    }

    /** A pool that only records what is handed back. */
    private static final class Pool implements ChannelPool {
        final List<Channel> released = new ArrayList<>();

        @Override
        public Future<Channel> acquire() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Channel> acquire(Promise<Channel> promise) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Void> release(Channel channel) {
            released.add(channel);
            return channel.eventLoop().newSucceededFuture(null);
        }

        @Override
        public Future<Void> release(Channel channel, Promise<Void> promise) {
            released.add(channel);
            return promise.setSuccess(null);
        }

        @Override
        public void close() {}
    }
}
