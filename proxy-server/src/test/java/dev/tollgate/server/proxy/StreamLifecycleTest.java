package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.eventually;
import static dev.tollgate.server.proxy.E2e.spend;
import static dev.tollgate.server.proxy.E2e.spendSoFar;
import static dev.tollgate.server.proxy.RawHttp.bearer;
import static dev.tollgate.server.proxy.RawHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streams that do not end normally on the client side: a client that hangs up mid-stream
 * cancels the upstream call at once and is still charged for what it got; a client that stops
 * reading holds the upstream back instead of making the proxy buffer the stream.
 */
class StreamLifecycleTest {
    static {
        LeakGuard.install();
    }

    /** Each chunk of the "big" stream repeats the model name: about 2.2 KB per chunk. */
    private static final String LONG_MODEL = "m".repeat(2000);
    /** About 50 MB in all: more than every socket buffer between the fake and the client can hold. */
    private static final int BIG_CHUNKS = 24_000;

    /** About 400 KB of ~200-byte events: enough to queue in the proxy behind a reader that pauses. */
    private static final int MANY_CHUNKS = 2_000;

    static FakeUpstream slow;
    static FakeUpstream big;
    static FakeUpstream many;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        slow = FakeUpstream.start(FakeUpstreamOptions.defaults()
                .ioThreads(1)
                .chunkCount(50)
                .chunkInterval(Duration.ofMillis(100))
                .promptTokens(7));
        big = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).chunkCount(BIG_CHUNKS));
        many = FakeUpstream.start(FakeUpstreamOptions.defaults()
                .ioThreads(1)
                .chunkCount(MANY_CHUNKS)
                .promptTokens(3));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: slow, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                  - {model_name: big, litellm_params: {model: openai/%s, api_base: "%s", api_key: k}, model_info: %s}
                  - {model_name: many, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                general_settings: {master_key: %s}
                """.formatted(
                        slow.baseUrl(),
                        E2e.PRICES,
                        LONG_MODEL,
                        big.baseUrl(),
                        E2e.PRICES,
                        many.baseUrl(),
                        E2e.PRICES,
                        TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        slow.close();
        big.close();
        many.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void clientHangingUpMidStreamCancelsUpstreamWithinASecondAndIsCharged() throws Exception {
        int closedBefore = slow.connectionsClosedByPeerDuringStream();
        try (RawHttp c = RawHttp.connect(proxy.server().port())) {
            c.send(post("/v1/chat/completions", TestProxy.chat("slow", "hangs-up", true), bearer(TestProxy.KEY)));
            assertThat(c.readHead().status()).isEqualTo(200);
            StringBuilder got = new StringBuilder();
            while (!got.toString().contains("tok2")) {
                got.append(new String(c.readChunk(), StandardCharsets.UTF_8));
            }
        }
        long closedAt = System.nanoTime();
        assertThat(eventually(Duration.ofSeconds(1), () -> slow.connectionsClosedByPeerDuringStream() > closedBefore))
                .as("the upstream connection is closed within 1 s of the client leaving")
                .isTrue();
        assertThat((System.nanoTime() - closedAt) / 1_000_000).isLessThan(1_000);

        assertThat(eventually(
                        Duration.ofSeconds(5),
                        () -> spendSoFar(proxy, "hangs-up").signum() > 0))
                .as("the cut stream is charged (estimated tokens)")
                .isTrue();
        BigDecimal charged = spend(proxy, "hangs-up");
        // Prompt plus the few chunks it got: less than the full 50-chunk answer would cost.
        assertThat(charged).isLessThan(E2e.cost(7, 50));

        // The proxy is fine afterwards.
        HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("big", null, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void aClientThatStopsReadingHoldsTheUpstreamBackAndOthersAreStillServed() throws Exception {
        int closedBefore = big.connectionsClosedByPeerDuringStream();
        try (RawHttp reader = RawHttp.connect(proxy.server().port(), 8192)) {
            reader.send(
                    post("/v1/chat/completions", TestProxy.chat("big", "slow-reader", true), bearer(TestProxy.KEY)));
            assertThat(reader.readHead().status()).isEqualTo(200);
            assertThat(reader.readChunk()).isNotNull();
            long started = System.nanoTime();

            // Others are served promptly while the stream is stuck behind the slow reader.
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("slow", "other", false));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
            }

            // Asserting that something does NOT happen needs a wait: give an unthrottled relay ample
            // time to pull the whole ~50 MB stream from the fake (it takes well under a second).
            long waitMs = 2_000 - (System.nanoTime() - started) / 1_000_000;
            if (waitMs > 0) {
                Thread.sleep(waitMs);
            }
            assertThat(big.connectionsClosedByPeerDuringStream()).isEqualTo(closedBefore);
        }
        // The stream was still in progress at the fake: the proxy had stopped reading it.
        assertThat(eventually(Duration.ofSeconds(2), () -> big.connectionsClosedByPeerDuringStream() > closedBefore))
                .as("the fake was still mid-stream when the slow reader left")
                .isTrue();
        assertThat(eventually(
                        Duration.ofSeconds(5),
                        () -> spendSoFar(proxy, "slow-reader").signum() > 0))
                .isTrue();
    }

    @Test
    void aReaderThatPausesStillGetsEveryEventIntactAndInOrder() throws Exception {
        try (RawHttp reader = RawHttp.connect(proxy.server().port(), 8192)) {
            reader.send(post("/v1/chat/completions", TestProxy.chat("many", "pauser", true), bearer(TestProxy.KEY)));
            assertThat(reader.readHead().status()).isEqualTo(200);
            // While this reader sleeps, events pile up in the proxy's outbound buffer (the case where
            // a relayed event is written later, not at once).
            Thread.sleep(300);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] chunk;
            while ((chunk = reader.readChunk()) != null) {
                all.writeBytes(chunk);
            }
            String body = all.toString(StandardCharsets.UTF_8);
            List<String> events = E2e.events(body);
            assertThat(events).hasSize(1 + MANY_CHUNKS + 1 + 1);
            StringBuilder text = new StringBuilder();
            for (String e : events.subList(0, events.size() - 1)) {
                assertThat(e).startsWith("data: {\"id\":\"chatcmpl-fake-").endsWith("}\n\n");
                text.append(E2e.json(e.substring(6).trim())
                        .at("/choices/0/delta/content")
                        .asText(""));
            }
            assertThat(text.toString()).isEqualTo(E2e.fakeText(MANY_CHUNKS));
            assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]\n\n");
        }
        assertThat(spend(proxy, "pauser")).isEqualByComparingTo(E2e.cost(3, MANY_CHUNKS));
    }
}
