package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.RawHttp.bearer;
import static dev.tollgate.server.proxy.RawHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 pipelining on a real socket against a real proxy: a slow proxied POST followed at once
 * by GETs is answered first, the connection closes only after the last answer, and the POST is
 * billed exactly what its answer said; a POST pipelined behind {@code Connection: close} never
 * reaches the upstream and costs nothing.
 */
class PipelinedRequestsTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream slow;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        slow = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).latency(Duration.ofMillis(300)));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: slow, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                general_settings: {master_key: %s}
                """.formatted(slow.baseUrl(), E2e.PRICES, TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        slow.close();
        LeakGuard.assertNoLeaks();
    }

    private static byte[] get(String path, String... headerLines) {
        StringBuilder sb = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void aSlowPostIsAnsweredBeforeTheGetsBehindItAndBilledWhatItsAnswerSays() throws Exception {
        try (RawHttp c = RawHttp.connect(proxy.server().port())) {
            c.send(concat(
                    post("/v1/chat/completions", TestProxy.chat("slow", "pipe-a", false), bearer(TestProxy.KEY)),
                    get("/health/liveliness"),
                    get("/v1/models", bearer(TestProxy.KEY), "Connection: close")));
            RawHttp.Response chat = c.read();
            assertThat(chat.status()).as(chat.text()).isEqualTo(200);
            assertThat(chat.text()).contains("\"object\":\"chat.completion\"");
            String cost = chat.header("x-litellm-response-cost");
            assertThat(cost).isNotNull();
            RawHttp.Response health = c.read();
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.text()).doesNotContain("chat.completion");
            RawHttp.Response models = c.read();
            assertThat(models.status()).isEqualTo(200);
            assertThat(models.text()).contains("\"slow\"");
            assertThat(models.header("connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByPeer()).isTrue();
            assertThat(E2e.spend(proxy, "pipe-a")).isEqualByComparingTo(new BigDecimal(cost));
        }
    }

    @Test
    void aPostPipelinedBehindConnectionCloseIsNeverSentUpstreamNorBilled() throws Exception {
        int before = slow.requestCount();
        try (RawHttp c = RawHttp.connect(proxy.server().port())) {
            c.send(concat(
                    post(
                            "/v1/chat/completions",
                            TestProxy.chat("slow", "pipe-b", false),
                            bearer(TestProxy.KEY),
                            "Connection: close"),
                    post("/v1/chat/completions", TestProxy.chat("slow", "pipe-b", false), bearer(TestProxy.KEY))));
            RawHttp.Response first = c.read();
            assertThat(first.status()).as(first.text()).isEqualTo(200);
            assertThat(first.header("connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByPeer()).isTrue();
            assertThat(E2e.spend(proxy, "pipe-b"))
                    .isEqualByComparingTo(new BigDecimal(first.header("x-litellm-response-cost")));
        }
        assertThat(slow.requestCount()).isEqualTo(before + 1);
    }
}
