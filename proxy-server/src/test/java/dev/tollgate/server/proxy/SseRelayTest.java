package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.ClientSide;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Broken;
import dev.tollgate.server.proxy.RelayOutcome.Failed;
import dev.tollgate.server.proxy.RelayOutcome.Refused;
import dev.tollgate.server.upstream.UpstreamFailure;
import dev.tollgate.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SseRelay} between a fake upstream (the test calls its listener methods, as
 * {@code UpstreamCall} does) and a client connection on an {@code EmbeddedChannel}: bytes relayed
 * untouched, one chunk per upstream read, back-pressure, a client that hangs up, error answers and
 * a stream cut by the upstream. Every case ends with nothing left in the channel and no leak.
 */
class SseRelayTest {
    static {
        LeakGuard.install();
    }

    private static final String ROLE =
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                    + "\"content\":\"\"}}]}\n\n";
    private static final String HELLO =
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n";
    private static final String WORLD =
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"}}]}\n\n";
    private static final String USAGE = "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
            + "\"completion_tokens\":2,\"total_tokens\":11}}\n\n";
    private static final String DONE = "data: [DONE]\n\n";

    private final ClientSide client = new ClientSide();
    private final RecordingCall call = new RecordingCall();
    private final RecordingFlow flow = new RecordingFlow();

    @AfterEach
    void nothingLeftInTheChannel() {
        client.response(); // reads and releases whatever the case did not look at
        assertThat(client.channel().finishAndReleaseAll()).isFalse();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private SseRelay relay(boolean clientWantsUsage) {
        return new SseRelay(call, client.exchange(), clientWantsUsage);
    }

    private static HttpResponse head(HttpResponseStatus status) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        head.headers().set("x-request-id", "up-1");
        head.headers().set("x-ratelimit-remaining-requests", "999");
        return head;
    }

    private ByteBuf bytes(String s) {
        return client.channel().alloc().directBuffer().writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** One upstream read carrying {@code parts}, each its own HTTP chunk. */
    private void read(SseRelay relay, boolean endsResponse, String... parts) {
        for (int i = 0; i < parts.length; i++) {
            relay.onContent(bytes(parts[i]), endsResponse && i == parts.length - 1);
        }
        relay.onReadComplete();
    }

    @Test
    void relaysTheStreamByteForByteAndReportsTheUpstreamsUsage() {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        read(relay, false, ROLE, HELLO);
        read(relay, false, WORLD);
        read(relay, true, USAGE, DONE);

        ClientSide.Response r = client.response();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(ROLE + HELLO + WORLD + USAGE + DONE);
        assertThat(r.ended()).isTrue();
        assertThat(r.chunks()).as("one chunk per upstream read").isEqualTo(3);
        assertThat(r.headers())
                .containsEntry("content-type", "text/event-stream")
                .containsEntry("x-request-id", "up-1")
                .containsEntry("x-litellm-call-id", "call-1")
                .doesNotContainKey("x-litellm-response-cost")
                .doesNotContainKey("x-ratelimit-remaining-requests");
        assertThat(call.outcome())
                .isInstanceOfSatisfying(
                        Answered.class, a -> assertThat(a.usage()).isEqualTo(new Usage(9, 2, 0, false)));
        assertThat(flow.pauses).isZero();
        assertThat(client.answered())
                .as("the connection is free for the next request")
                .isEqualTo(1);
    }

    @Test
    void theUsageChunkTheProxyAskedForIsCountedButNotForwarded() {
        SseRelay relay = relay(false);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        read(relay, true, ROLE, HELLO, USAGE, DONE);

        assertThat(client.response().body()).isEqualTo(ROLE + HELLO + DONE);
        assertThat(call.outcome())
                .isInstanceOfSatisfying(
                        Answered.class, a -> assertThat(a.usage()).isEqualTo(new Usage(9, 2, 0, false)));
    }

    @Test
    void eventsSplitAcrossReadsReachTheClientWhole() {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        read(relay, false, HELLO.substring(0, 20));
        assertThat(client.response().body()).as("half an event is held back").isEmpty();
        read(relay, false, HELLO.substring(20), WORLD.substring(0, 5));
        assertThat(client.response().body()).isEqualTo(HELLO);
        read(relay, true, WORLD.substring(5) + DONE);
        assertThat(client.response().body()).isEqualTo(HELLO + WORLD + DONE);
    }

    @Test
    void aClientThatStopsReadingPausesTheUpstreamUntilItsWritesComplete() {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        read(relay, false, ROLE);
        assertThat(flow.pauses).isZero();

        client.holdWrites();
        read(relay, false, HELLO);
        assertThat(flow.paused).as("paused while the client is not writable").isTrue();
        assertThat(client.response().body()).isEqualTo(ROLE);

        client.releaseWrites();
        assertThat(flow.paused).as("resumed once the pending write completed").isFalse();
        assertThat(flow.resumes).isEqualTo(1);
        read(relay, true, WORLD, DONE);
        assertThat(client.response().body()).isEqualTo(ROLE + HELLO + WORLD + DONE);
        assertThat(call.outcome()).isInstanceOf(Answered.class);
    }

    @ParameterizedTest(name = "after {0} chunks")
    @ValueSource(ints = {1, 2, 3})
    void aClientThatHangsUpIsChargedForWhatWasProduced(int chunks) {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        String[] events = {ROLE, HELLO, WORLD};
        for (int i = 0; i < chunks; i++) {
            read(relay, false, events[i]);
        }
        relay.onContent(bytes(DONE.substring(0, 4)), false); // a part of the next event, still held

        client.channel().close();
        Usage produced = relay.abandon();

        String text = chunks == 1 ? "" : chunks == 2 ? "Hello" : "Hello world";
        assertThat(produced).isEqualTo(new Usage(RecordingCall.ESTIMATED_PROMPT, text.length(), 0, true));
        assertThat(call.outcomes)
                .as("the call ends itself; the relay reports nothing")
                .isEmpty();
        assertThat(client.response().ended()).isFalse();
    }

    @Test
    void aClientThatHangsUpMidReadDropsTheEventsNotYetWritten() {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        relay.onContent(bytes(ROLE + HELLO), false); // read not complete: gathered, not written
        client.channel().close();

        assertThat(relay.abandon().completionTokens()).isEqualTo("Hello".length());
        assertThat(client.response().body()).isEmpty();
    }

    @Test
    void anErrorAnswerIsHandedBackWholeAndTheClientSeesNothing() {
        SseRelay relay = relay(true);
        HttpResponse head = head(HttpResponseStatus.TOO_MANY_REQUESTS);
        relay.onResponse(head, flow);
        read(relay, false, "{\"error\":{\"message\":\"Rate limit");
        read(relay, true, " reached\",\"type\":\"requests\"}}");

        assertThat(call.outcome())
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.head()).isSameAs(head));
        assertThat(call.refusedBody)
                .isEqualTo("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}");
        assertThat(client.response().status()).as("nothing written yet").isZero();
    }

    @Test
    void anUpstreamResetMidStreamEndsTheStreamWithAnErrorEventAndCloses() {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        read(relay, false, ROLE, HELLO);
        relay.onContent(bytes(WORLD), false); // received, read not complete
        relay.onFailure(new UpstreamFailure(UpstreamFailure.Kind.RESET, "Upstream connection reset"));

        assertThat(call.outcome())
                .isInstanceOfSatisfying(
                        Broken.class,
                        b -> assertThat(b.usage())
                                .as("estimated from what was produced")
                                .isEqualTo(new Usage(RecordingCall.ESTIMATED_PROMPT, "Hello world".length(), 0, true)));
        client.channel().runPendingTasks();
        ClientSide.Response r = client.response();
        assertThat(r.body())
                .startsWith(ROLE + HELLO + WORLD + "data: {\"error\":")
                .contains("Upstream stream failed: Upstream connection reset")
                .doesNotContain("[DONE]");
        assertThat(r.ended())
                .as("no terminating chunk: the client must not take it for complete")
                .isFalse();
        assertThat(client.channel().isOpen()).isFalse();
        assertThat(client.answered()).isZero();
    }

    @Test
    void aFailureBeforeTheAnswerStartedIsHandedBackAndTheClientSeesNothing() {
        SseRelay relay = relay(true);
        UpstreamFailure refused = new UpstreamFailure(UpstreamFailure.Kind.CONNECT_REFUSED, "refused");
        relay.onFailure(refused);

        assertThat(call.outcome())
                .isInstanceOfSatisfying(Failed.class, f -> assertThat(f.cause()).isSameAs(refused));
        assertThat(client.response().status()).isZero();
    }

    @Test
    void aFailureWhileAnErrorAnswerArrivesReleasesWhatWasCollected() {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.BAD_GATEWAY), flow);
        read(relay, false, "<html>bad gateway");
        relay.onFailure(new UpstreamFailure(UpstreamFailure.Kind.RESET, "reset"));

        assertThat(call.outcome()).isInstanceOf(Failed.class);
    }

    @Test
    void bytesAfterTheEndAreReleased() {
        SseRelay relay = relay(true);
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        read(relay, true, DONE);
        relay.onContent(bytes(HELLO), false);
        assertThat(call.outcome()).isInstanceOf(Answered.class);
        assertThat(client.response().body()).isEqualTo(DONE);
    }
}
