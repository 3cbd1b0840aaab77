package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.ClientSide;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
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

/**
 * {@link JsonRelay} between a fake upstream (the test calls its listener methods, as
 * {@code UpstreamCall} does) and a client connection on an {@code EmbeddedChannel}: the answer's
 * bytes pass untouched with our headers added, error answers go back to the call whole, a cut
 * answer is a failure, and a client that hangs up leaves nothing behind.
 */
class JsonRelayTest {
    static {
        LeakGuard.install();
    }

    private static final String ANSWER =
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hi there\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}";

    private final ClientSide client = new ClientSide();
    private final RecordingCall call = new RecordingCall();
    private final RecordingFlow flow = new RecordingFlow();
    private final JsonRelay relay = new JsonRelay(call, client.exchange());

    @AfterEach
    void nothingLeftInTheChannel() {
        client.response();
        assertThat(client.channel().finishAndReleaseAll()).isFalse();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private static HttpResponse head(HttpResponseStatus status) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        head.headers().set("openai-processing-ms", "42");
        head.headers().set("x-ratelimit-remaining-tokens", "123");
        return head;
    }

    private ByteBuf bytes(String s) {
        return client.channel().alloc().directBuffer().writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void passesTheAnswerThroughWithItsUsageAndOurHeaders() {
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        relay.onContent(bytes(ANSWER.substring(0, 50)), false);
        relay.onReadComplete();
        assertThat(client.response().status())
                .as("nothing before the whole answer is read")
                .isZero();
        relay.onContent(bytes(ANSWER.substring(50)), true);

        assertThat(call.outcome())
                .isInstanceOfSatisfying(
                        Answered.class, a -> assertThat(a.usage()).isEqualTo(new Usage(12, 3, 0, false)));
        ClientSide.Response r = client.response();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(ANSWER);
        assertThat(r.ended()).isTrue();
        assertThat(r.headers())
                .containsEntry("openai-processing-ms", "42")
                .containsEntry("x-litellm-response-cost", "15")
                .containsEntry("x-litellm-call-id", "call-1")
                .doesNotContainKey("x-ratelimit-remaining-tokens");
        assertThat(client.answered()).isEqualTo(1);
    }

    @Test
    void anAnswerWithoutUsageIsCountedFromItsText() {
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        relay.onContent(bytes("{\"choices\":[{\"message\":{\"content\":\"Hi there\"}}]}"), true);

        assertThat(call.outcome())
                .isInstanceOfSatisfying(
                        Answered.class,
                        a -> assertThat(a.usage())
                                .isEqualTo(new Usage(RecordingCall.ESTIMATED_PROMPT, "Hi there".length(), 0, true)));
    }

    @Test
    void anErrorAnswerIsHandedBackWholeAndTheClientSeesNothing() {
        HttpResponse head = head(HttpResponseStatus.SERVICE_UNAVAILABLE);
        relay.onResponse(head, flow);
        relay.onContent(bytes("{\"error\":{\"message\":\"over"), false);
        relay.onContent(bytes("loaded\"}}"), true);

        assertThat(call.outcome())
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.head()).isSameAs(head));
        assertThat(call.refusedBody).isEqualTo("{\"error\":{\"message\":\"overloaded\"}}");
        assertThat(client.response().status()).isZero();
    }

    @Test
    void anUpstreamResetMidAnswerIsAFailureAndReleasesWhatWasRead() {
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        relay.onContent(bytes(ANSWER.substring(0, 40)), false);
        UpstreamFailure reset = new UpstreamFailure(UpstreamFailure.Kind.RESET, "Upstream connection reset");
        relay.onFailure(reset);

        assertThat(call.outcome())
                .isInstanceOfSatisfying(Failed.class, f -> assertThat(f.cause()).isSameAs(reset));
        assertThat(client.response().status()).isZero();
    }

    @Test
    void aClientThatHangsUpMidAnswerIsChargedForThePrompt() {
        relay.onResponse(head(HttpResponseStatus.OK), flow);
        relay.onContent(bytes(ANSWER.substring(0, 40)), false);
        client.channel().close();

        assertThat(relay.abandon()).isEqualTo(new Usage(RecordingCall.ESTIMATED_PROMPT, 0, 0, true));
        assertThat(call.outcomes).isEmpty();
    }

    @Test
    void bytesWithoutAResponseHeadAreReleased() {
        relay.onContent(bytes("stray"), false);
        assertThat(call.outcomes).isEmpty();
        relay.onFailure(new UpstreamFailure(UpstreamFailure.Kind.RESET, "reset"));
        assertThat(call.outcome()).isInstanceOf(Failed.class);
    }
}
