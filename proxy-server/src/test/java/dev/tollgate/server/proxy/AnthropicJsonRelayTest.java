package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.ClientSide;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Refused;
import dev.tollgate.server.proxy.RelayOutcome.Rejected;
import dev.tollgate.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AnthropicJsonRelay} on an {@code EmbeddedChannel}: a Messages API answer becomes a chat
 * completion with its usage (counted locally when it has none), is relayed as it is for a
 * {@code /v1/messages} client, and an error answer becomes the mapped error or, for that client,
 * is handed back as Anthropic sent it. No leak in any case.
 */
class AnthropicJsonRelayTest {
    static {
        LeakGuard.install();
    }

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);
    private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"Hi there\"}],"
            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":5,\"output_tokens\":3}}";

    private final ClientSide client = new ClientSide();
    private final RecordingCall call = new RecordingCall();
    private final RecordingFlow flow = new RecordingFlow();

    @AfterEach
    void nothingLeftInTheChannel() {
        client.response();
        assertThat(client.channel().finishAndReleaseAll()).isFalse();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private ByteBuf bytes(String s) {
        return client.channel().alloc().directBuffer().writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private void answer(AnthropicJsonRelay relay, int status, String body) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        relay.onResponse(head, flow);
        int half = body.length() / 2;
        relay.onContent(bytes(body.substring(0, half)), false);
        relay.onContent(bytes(body.substring(half)), true);
    }

    @Test
    void anAnswerBecomesAChatCompletionWithItsUsage() {
        answer(new AnthropicJsonRelay(call, client.exchange(), CLOCK, false), 200, MESSAGE);
        ClientSide.Response r = client.response();
        assertThat(r.status()).isEqualTo(200);
        assertThat(E2e.json(r.body()).at("/choices/0/message/content").asText()).isEqualTo("Hi there");
        assertThat(E2e.json(r.body()).get("created").asLong()).isEqualTo(1_700_000_000L);
        assertThat(((Answered) call.outcome()).usage()).isEqualTo(new Usage(30, 3, 5, false));
    }

    @Test
    void anAnswerWithoutUsageIsCountedLocally() {
        String noUsage = MESSAGE.substring(0, MESSAGE.indexOf(",\"usage\"")) + "}";
        answer(new AnthropicJsonRelay(call, client.exchange(), CLOCK, false), 200, noUsage);
        assertThat(((Answered) call.outcome()).usage())
                .isEqualTo(new Usage(RecordingCall.ESTIMATED_PROMPT, "Hi there".length(), 0, true));
    }

    @Test
    void forAMessagesApiClientTheAnswerIsRelayedAsItIs() {
        answer(new AnthropicJsonRelay(call, client.exchange(), CLOCK, true), 200, MESSAGE);
        assertThat(client.response().body()).isEqualTo(MESSAGE);
        assertThat(((Answered) call.outcome()).usage()).isEqualTo(new Usage(30, 3, 5, false));
    }

    @Test
    void anErrorAnswerIsMappedOrForAMessagesApiClientHandedBackAsItIs() {
        String error = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}";
        answer(new AnthropicJsonRelay(call, client.exchange(), CLOCK, false), 429, error);
        assertThat(call.outcome()).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.error().status()).isEqualTo(429);
            assertThat(r.error().getMessage()).isEqualTo("Anthropic rate_limit_error: slow down");
        });

        RecordingCall passThrough = new RecordingCall();
        answer(new AnthropicJsonRelay(passThrough, client.exchange(), CLOCK, true), 429, error);
        assertThat(passThrough.outcome()).isInstanceOf(Refused.class);
        assertThat(passThrough.refusedBody).isEqualTo(error);
        assertThat(client.response().status()).isZero();
    }
}
