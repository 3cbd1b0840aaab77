package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.ClientSide;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Broken;
import dev.tollgate.server.proxy.RelayOutcome.Rejected;
import dev.tollgate.server.upstream.UpstreamFailure;
import dev.tollgate.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AnthropicSseRelay} between upstream events the test feeds (as {@code UpstreamCall} does)
 * and a client connection on an {@code EmbeddedChannel}: Anthropic's events become chat
 * completion chunks with a final usage chunk and {@code [DONE]}; tool input deltas become
 * {@code tool_calls} deltas; an error event mid-stream and a stream cut mid-way end the client's
 * stream with an error event, charged for the prompt and the output relayed; an error answer
 * becomes the mapped error. No leak in any case.
 */
class AnthropicSseRelayTest {
    static {
        LeakGuard.install();
    }

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);
    private static final String START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
            + "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\","
            + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,"
            + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n";
    private static final String BLOCK = "event: content_block_start\ndata: {\"type\":\"content_block_start\","
            + "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    private static final String PING = "event: ping\ndata: {\"type\": \"ping\"}\n\n";
    private static final String STOP_BLOCK =
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
    private static final String DELTA = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
            + "{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n";
    private static final String STOP = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

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

    private static String text(String t) {
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + t + "\"}}\n\n";
    }

    private AnthropicSseRelay relay(boolean clientWantsUsage) {
        AnthropicSseRelay relay = new AnthropicSseRelay(call, client.exchange(), clientWantsUsage, CLOCK, false);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set("request-id", "req_1");
        head.headers().set("anthropic-ratelimit-requests-remaining", "999");
        relay.onResponse(head, flow);
        return relay;
    }

    private ByteBuf bytes(String s) {
        return client.channel().alloc().directBuffer().writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private void read(AnthropicSseRelay relay, boolean endsResponse, String... parts) {
        for (int i = 0; i < parts.length; i++) {
            relay.onContent(bytes(parts[i]), endsResponse && i == parts.length - 1);
        }
        relay.onReadComplete();
    }

    /** The JSON of each {@code data:} event of the client's stream; {@code [DONE]} as a text node. */
    private static List<JsonNode> chunks(String body) {
        return E2e.events(body).stream()
                .map(e -> e.substring("data: ".length()).trim())
                .map(d -> d.equals("[DONE]") ? Json.MAPPER.getNodeFactory().textNode(d) : E2e.json(d))
                .toList();
    }

    @Test
    void eventsBecomeChunksThenTheUsageChunkAndDone() {
        AnthropicSseRelay relay = relay(true);
        read(relay, false, START, BLOCK, PING);
        read(relay, false, text("Hello"), text(" world"));
        read(relay, true, STOP_BLOCK, DELTA, STOP);

        ClientSide.Response r = client.response();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.ended()).isTrue();
        assertThat(r.headers())
                .containsEntry("content-type", "text/event-stream")
                .containsEntry("request-id", "req_1")
                .doesNotContainKey("anthropic-ratelimit-requests-remaining");
        List<JsonNode> chunks = chunks(r.body());
        assertThat(chunks).hasSize(6);
        assertThat(chunks.get(0).toString())
                .isEqualTo("{\"id\":\"msg_1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"claude-x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                        + "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");
        assertThat(chunks.get(1).at("/choices/0/delta/content").asText()).isEqualTo("Hello");
        assertThat(chunks.get(2).at("/choices/0/delta/content").asText()).isEqualTo(" world");
        assertThat(chunks.get(3).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.get(4).get("choices")).isEmpty();
        assertThat(chunks.get(4).at("/usage/prompt_tokens").asLong()).isEqualTo(25);
        assertThat(chunks.get(4).at("/usage/completion_tokens").asLong()).isEqualTo(15);
        assertThat(chunks.get(5).asText()).isEqualTo("[DONE]");
        assertThat(call.outcome())
                .isInstanceOfSatisfying(
                        Answered.class, a -> assertThat(a.usage()).isEqualTo(new Usage(25, 15, 0, false)));
        assertThat(r.chunks()).as("one chunk per upstream read, then [DONE]").isEqualTo(4);
    }

    @Test
    void withoutIncludeUsageNoUsageChunkIsSentButTheCallIsStillExact() {
        AnthropicSseRelay relay = relay(false);
        read(relay, true, START, BLOCK, text("Hi"), STOP_BLOCK, DELTA, STOP);
        List<JsonNode> chunks = chunks(client.response().body());
        assertThat(chunks).hasSize(4);
        assertThat(chunks).noneMatch(c -> c.has("usage"));
        assertThat(((Answered) call.outcome()).usage()).isEqualTo(new Usage(25, 15, 0, false));
    }

    @Test
    void toolInputDeltasBecomeToolCallDeltas() {
        AnthropicSseRelay relay = relay(true);
        read(
                relay,
                true,
                START,
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"weather\",\"input\":{}}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Pa\"}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"ris\\\"}\"}}\n\n",
                STOP_BLOCK,
                DELTA.replace("end_turn", "tool_use"),
                STOP);
        List<JsonNode> chunks = chunks(client.response().body());
        assertThat(chunks.get(1).at("/choices/0/delta/tool_calls/0/id").asText())
                .isEqualTo("toolu_1");
        assertThat(chunks.get(1)
                        .at("/choices/0/delta/tool_calls/0/function/name")
                        .asText())
                .isEqualTo("weather");
        String arguments = chunks.get(2)
                        .at("/choices/0/delta/tool_calls/0/function/arguments")
                        .asText()
                + chunks.get(3)
                        .at("/choices/0/delta/tool_calls/0/function/arguments")
                        .asText();
        assertThat(E2e.json(arguments).get("city").asText()).isEqualTo("Paris");
        assertThat(chunks.get(4).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void anErrorEventMidStreamEndsTheClientsStreamWithAnErrorAndNoDone() {
        AnthropicSseRelay relay = relay(true);
        read(relay, false, START, BLOCK, text("Hello"));
        read(
                relay,
                false,
                "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", "
                        + "\"message\": \"Overloaded\"}}\n\n");

        ClientSide.Response r = client.response();
        assertThat(r.body()).doesNotContain("[DONE]");
        List<JsonNode> chunks = chunks(r.body());
        JsonNode error = chunks.get(chunks.size() - 1).get("error");
        assertThat(error.get("message").asText()).isEqualTo("Anthropic overloaded_error: Overloaded");
        assertThat(error.get("type").asText()).isEqualTo("service_unavailable");
        assertThat(chunks.get(1).at("/choices/0/delta/content").asText()).isEqualTo("Hello");
        assertThat(flow.cancels).isEqualTo(1);
        // The prompt as reported, the output counted from what was relayed ("Hello": 5 in RecordingCall).
        assertThat(call.outcome())
                .isInstanceOfSatisfying(Broken.class, b -> assertThat(b.usage()).isEqualTo(new Usage(25, 5, 0, true)));
    }

    @Test
    void aStreamCutMidWayIsChargedForWhatWasRelayedAndEndsWithAnError() {
        AnthropicSseRelay relay = relay(true);
        read(relay, false, START, BLOCK, text("Hello"), text(" wor").substring(0, 30));
        relay.onFailure(new UpstreamFailure(UpstreamFailure.Kind.RESET, "Upstream connection reset"));

        ClientSide.Response r = client.response();
        assertThat(r.body()).doesNotContain("[DONE]").contains("Upstream stream failed");
        assertThat(call.outcome())
                .isInstanceOfSatisfying(Broken.class, b -> assertThat(b.usage()).isEqualTo(new Usage(25, 5, 0, true)));
    }

    @Test
    void aResponseThatEndsBeforeMessageStopIsACutStream() {
        AnthropicSseRelay relay = relay(true);
        read(relay, true, START, BLOCK, text("Hello"), STOP_BLOCK, DELTA);

        assertThat(client.response().body())
                .doesNotContain("[DONE]")
                .contains("Anthropic stream ended before message_stop");
        // message_delta carried the output count, so the charge is exact.
        assertThat(((Broken) call.outcome()).usage()).isEqualTo(new Usage(25, 15, 0, false));
    }

    @Test
    void anErrorAnswerBecomesTheMappedErrorAndTheClientSeesNoStream() {
        AnthropicSseRelay relay = new AnthropicSseRelay(call, client.exchange(), true, CLOCK, false);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(529));
        head.headers().set(HttpHeaderNames.RETRY_AFTER, "7");
        relay.onResponse(head, flow);
        read(relay, false, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",");
        read(relay, true, "\"message\":\"Overloaded\"}}");

        assertThat(call.outcome()).isInstanceOfSatisfying(Rejected.class, rej -> {
            assertThat(rej.error().status()).isEqualTo(503);
            assertThat(rej.error().headers()).containsEntry("retry-after", "7");
        });
        assertThat(client.response().status()).isZero();
    }

    @Test
    void aClientThatHangsUpIsChargedThePromptAndTheTextRelayed() {
        AnthropicSseRelay relay = relay(true);
        read(relay, false, START, BLOCK, text("Hello"));
        relay.onContent(bytes(text(" world").substring(0, 10)), false);
        client.channel().close();
        assertThat(relay.abandon()).isEqualTo(new Usage(25, 5, 0, true));
        assertThat(call.outcomes).isEmpty();
    }

    @Test
    void forAMessagesApiClientTheEventsAreRelayedAsTheyAreAndOnlyReadForUsage() {
        AnthropicSseRelay relay = new AnthropicSseRelay(call, client.exchange(), true, CLOCK, true);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        relay.onResponse(head, flow);
        read(relay, false, START, BLOCK, PING);
        read(relay, true, text("Hello"), STOP_BLOCK, DELTA, STOP);

        ClientSide.Response r = client.response();
        assertThat(r.body()).isEqualTo(START + BLOCK + PING + text("Hello") + STOP_BLOCK + DELTA + STOP);
        assertThat(r.ended()).isTrue();
        assertThat(((Answered) call.outcome()).usage()).isEqualTo(new Usage(25, 15, 0, false));
    }

    @Test
    void forAMessagesApiClientACutStreamEndsWithAnAnthropicErrorEvent() {
        AnthropicSseRelay relay = new AnthropicSseRelay(call, client.exchange(), true, CLOCK, true);
        relay.onResponse(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), flow);
        read(relay, false, START, BLOCK, text("Hello"));
        relay.onFailure(new UpstreamFailure(UpstreamFailure.Kind.RESET, "Upstream connection reset"));

        String body = client.response().body();
        assertThat(body).startsWith(START + BLOCK + text("Hello"));
        String last = E2e.events(body).get(3);
        assertThat(last).startsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"");
        assertThat(((Broken) call.outcome()).usage()).isEqualTo(new Usage(25, 5, 0, true));
    }
}
