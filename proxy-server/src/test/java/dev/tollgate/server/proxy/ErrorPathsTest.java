package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.assertErrorShape;
import static dev.tollgate.server.proxy.E2e.events;
import static dev.tollgate.server.proxy.RawHttp.bearer;
import static dev.tollgate.server.proxy.RawHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every way a call can fail answers in the OpenAI error shape with the right status, never with a
 * stack trace; client mistakes leave the keep-alive connection usable, framing errors close it.
 */
class ErrorPathsTest {
    static {
        LeakGuard.install();
    }

    private static final int MAX_BODY = 4096;
    private static final String GOOD =
            "{\"model\":\"good\",\"user\":\"err-cust\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static FakeUpstream ok;
    static FakeUpstream stall;
    static FakeUpstream err500;
    static FakeUpstream reset;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        ok = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        stall = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.STALL));
        err500 = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        reset = FakeUpstream.start(FakeUpstreamOptions.defaults()
                .ioThreads(1)
                .failure(FakeFailure.RESET_MID_STREAM)
                .chunkCount(10)
                .failAfterChunks(3));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: good, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                  - {model_name: refused, litellm_params: {model: openai/gpt-4o, api_base: "http://127.0.0.1:%d/v1", api_key: k}, model_info: %s}
                  - {model_name: stall, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                  - {model_name: err500, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                  - {model_name: reset, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                general_settings: {master_key: %s, max_request_body_bytes: %d, upstream_read_timeout: 1}
                """.formatted(
                        ok.baseUrl(),
                        E2e.PRICES,
                        closedPort,
                        E2e.PRICES,
                        stall.baseUrl(),
                        E2e.PRICES,
                        err500.baseUrl(),
                        E2e.PRICES,
                        reset.baseUrl(),
                        E2e.PRICES,
                        TestProxy.KEY,
                        MAX_BODY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        for (FakeUpstream u : List.of(ok, stall, err500, reset)) {
            u.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static RawHttp connect() throws Exception {
        return RawHttp.connect(proxy.server().port());
    }

    private static String chatOn(String model, boolean stream) {
        return TestProxy.chat(model, "err-cust", stream);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                "truncated JSON        | '{\"model\":'                                                   | ",
                "not JSON              | 'hello, proxy'                                                 | ",
                "JSON array            | '[1,2,3]'                                                      | ",
                "empty body            | ''                                                             | ",
                "messages as a string  | '{\"model\":\"good\",\"messages\":\"hi\"}'                     | messages",
                "messages empty        | '{\"model\":\"good\",\"messages\":[]}'                         | messages",
                "missing model         | '{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'      | model",
                "model not a string    | '{\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}' | model",
                "missing messages      | '{\"model\":\"good\"}'                                         | messages",
                "stream not a boolean  | '{\"model\":\"good\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}' | stream",
                "max_tokens too large  | '{\"model\":\"good\",\"user\":\"big-max\",\"max_tokens\":9223372036854775807,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}' | max_tokens",
                "max_tokens negative   | '{\"model\":\"good\",\"max_tokens\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}' | max_tokens",
            })
    void malformedBodiesAre400AndTheConnectionStaysUsable(String name, String body, String param) throws Exception {
        int before = ok.requestCount();
        try (RawHttp c = connect()) {
            RawHttp.Response r = c.send(post(
                            "/v1/chat/completions",
                            body == null ? "" : body,
                            bearer(TestProxy.KEY),
                            "Content-Type: application/json"))
                    .read();
            assertThat(r.status()).as(r.text()).isEqualTo(400);
            JsonNode e = assertErrorShape(r.text());
            assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
            if (param == null) {
                assertThat(e.get("param").isNull()).as(r.text()).isTrue();
            } else {
                assertThat(e.get("param").asText()).isEqualTo(param);
            }
            assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");
            // Same socket, next request: served.
            RawHttp.Response next = c.send(post("/v1/chat/completions", GOOD, bearer(TestProxy.KEY)))
                    .read();
            assertThat(next.status()).as(next.text()).isEqualTo(200);
        }
        assertThat(ok.requestCount())
                .as("only the valid follow-up reached the upstream")
                .isEqualTo(before + 1);
    }

    @Test
    void clientErrorsKeepOneConnectionAlive() throws Exception {
        try (RawHttp c = connect()) {
            RawHttp.Response noKey = c.send(post("/v1/chat/completions", GOOD)).read();
            assertThat(noKey.status()).isEqualTo(401);
            JsonNode e = assertErrorShape(noKey.text());
            assertThat(e.get("message").asText()).isEqualTo("Authentication Error, No api key passed in.");
            assertThat(e.get("type").asText()).isEqualTo("auth_error");
            assertThat(e.get("code").asText()).isEqualTo("401");

            RawHttp.Response wrongKey = c.send(post("/v1/chat/completions", GOOD, bearer("sk-wrong-key-0000")))
                    .read();
            assertThat(wrongKey.status()).isEqualTo(401);
            assertThat(assertErrorShape(wrongKey.text()).get("message").asText())
                    .startsWith("Authentication Error, Invalid proxy server token passed.")
                    .doesNotContain("sk-wrong-key-0000");

            RawHttp.Response unknownModel = c.send(post(
                            "/v1/chat/completions",
                            "{\"model\":\"no-such\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                            bearer(TestProxy.KEY)))
                    .read();
            assertThat(unknownModel.status()).isEqualTo(404);
            JsonNode m = assertErrorShape(unknownModel.text());
            assertThat(m.get("code").asText()).isEqualTo("model_not_found");
            assertThat(m.get("param").asText()).isEqualTo("model");

            RawHttp.Response wrongMethod = c.send(
                            "GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + bearer(TestProxy.KEY) + "\r\n\r\n")
                    .read();
            assertThat(wrongMethod.status()).isEqualTo(405);
            assertErrorShape(wrongMethod.text());

            RawHttp.Response unknownPath = c.send(
                            "GET /v1/nothing-here HTTP/1.1\r\nHost: x\r\n" + bearer(TestProxy.KEY) + "\r\n\r\n")
                    .read();
            assertThat(unknownPath.status()).isEqualTo(404);
            assertErrorShape(unknownPath.text());

            RawHttp.Response fine = c.send(post("/v1/chat/completions", GOOD, bearer(TestProxy.KEY)))
                    .read();
            assertThat(fine.status()).as(fine.text()).isEqualTo(200);
        }
    }

    @Test
    void oversizedBodyByContentLengthIs413AndClosesWithoutReadingTheBody() throws Exception {
        try (RawHttp c = connect()) {
            c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + bearer(TestProxy.KEY)
                    + "\r\nContent-Type: application/json\r\n" + "Content-Length: " + (MAX_BODY * 3) + "\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(assertErrorShape(r.text()).get("code").asText()).isEqualTo("request_too_large");
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        try (RawHttp c = connect()) {
            String big = "{\"model\":\"good\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(MAX_BODY)
                    + "\"}]}";
            RawHttp.Response r = c.send(post("/v1/chat/completions", big, bearer(TestProxy.KEY)))
                    .read();
            assertThat(r.status()).isEqualTo(413);
            assertErrorShape(r.text());
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void oversizedChunkedBodyIs413AndCloses() throws Exception {
        try (RawHttp c = connect()) {
            c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + bearer(TestProxy.KEY)
                    + "\r\nContent-Type: application/json\r\n" + "Transfer-Encoding: chunked\r\n\r\n");
            String piece = "x".repeat(1000);
            for (int i = 0; i < 5; i++) {
                c.send(Integer.toHexString(piece.length()) + "\r\n" + piece + "\r\n");
            }
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(assertErrorShape(r.text()).get("code").asText()).isEqualTo("request_too_large");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void expectContinueWithTooLargeLengthIsRefusedBeforeTheBody() throws Exception {
        try (RawHttp c = connect()) {
            c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + bearer(TestProxy.KEY)
                    + "\r\nContent-Type: application/json\r\n" + "Expect: 100-continue\r\nContent-Length: "
                    + (MAX_BODY * 100) + "\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isIn(413, 417);
            assertErrorShape(r.text());
            assertThat(c.closedByPeer()).isTrue();
        }
        // A small body with Expect gets 100 Continue, then the real answer.
        try (RawHttp c = connect()) {
            byte[] body = GOOD.getBytes(StandardCharsets.UTF_8);
            c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + bearer(TestProxy.KEY)
                    + "\r\nContent-Type: application/json\r\n" + "Expect: 100-continue\r\nContent-Length: "
                    + body.length + "\r\n\r\n");
            RawHttp.Head cont = c.readHead();
            assertThat(cont.status()).isEqualTo(100);
            RawHttp.Response r = c.send(body).read();
            assertThat(r.status()).as(r.text()).isEqualTo(200);
        }
    }

    @Test
    void oversizedHeadersAre431AndLongUrlsAre414() throws Exception {
        try (RawHttp c = connect()) {
            RawHttp.Response r = c.send(
                            "GET /health/liveliness HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n")
                    .read();
            assertThat(r.status()).isEqualTo(431);
            assertThat(assertErrorShape(r.text()).get("code").asText()).isEqualTo("headers_too_large");
            assertThat(c.closedByPeer()).isTrue();
        }
        try (RawHttp c = connect()) {
            RawHttp.Response r = c.send("GET /v1/models?q=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .read();
            assertThat(r.status()).isEqualTo(414);
            assertThat(assertErrorShape(r.text()).get("code").asText()).isEqualTo("uri_too_long");
            assertThat(c.closedByPeer()).isTrue();
        }
        try (RawHttp c = connect()) {
            RawHttp.Response r = c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
                    .read();
            assertThat(r.status()).isEqualTo(400);
            assertErrorShape(r.text());
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void upstreamRefusedIs502() throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = proxy.post("/v1/chat/completions", chatOn("refused", stream));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
            assertThat(assertErrorShape(r.body()).get("type").asText()).isEqualTo("upstream_error");
        }
    }

    @Test
    void upstreamStallIs504AfterTheReadTimeout() throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = proxy.post("/v1/chat/completions", chatOn("stall", stream));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
            assertThat(assertErrorShape(r.body()).get("type").asText()).isEqualTo("timeout");
            assertThat(ms).isBetween(900L, 5_000L);
        }
    }

    @Test
    void upstream500WithOpenAiBodyIsPassedThrough() throws Exception {
        HttpRequest direct = HttpRequest.newBuilder(URI.create(err500.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[]}"))
                .build();
        String upstreamBody = HttpClient.newHttpClient()
                .send(direct, HttpResponse.BodyHandlers.ofString())
                .body();
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = proxy.post("/v1/chat/completions", chatOn("err500", stream));
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).isEqualTo(upstreamBody);
            assertErrorShape(r.body());
        }
    }

    @Test
    void upstreamResetMidStreamEndsWithAnErrorEventAndNoDone() throws Exception {
        try (RawHttp c = connect()) {
            c.send(post("/v1/chat/completions", chatOn("reset", true), bearer(TestProxy.KEY)));
            RawHttp.Head head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.chunked()).isTrue();
            String body = new String(c.readChunksUntilClose(), StandardCharsets.UTF_8);
            List<String> ev = events(body);
            assertThat(body).doesNotContain("[DONE]");
            // role chunk, 3 content chunks, then the error event.
            assertThat(ev).hasSize(5);
            assertThat(ev.get(3))
                    .contains(E2e.fakeText(3).substring(E2e.fakeText(2).length()));
            String last = ev.get(4);
            assertThat(last).startsWith("data: {\"error\":").endsWith("\n\n");
            JsonNode e = assertErrorShape(last.substring("data: ".length()).trim());
            assertThat(e.get("type").asText()).isEqualTo("upstream_error");
        }
        // Non-streaming: reset before any byte is a 502.
        HttpResponse<String> r = proxy.post("/v1/chat/completions", chatOn("reset", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertErrorShape(r.body());
    }
}
