package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.events;
import static dev.tollgate.server.proxy.E2e.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.server.budget.Api;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code num_retries}: a call that failed upstream with a retryable failure (5xx, 429, a connection
 * error) before anything reached the client is sent again, preferring another deployment of its
 * model group; only the attempt that answered is billed, and a call whose every attempt failed
 * leaves no spend and no reservation behind.
 */
class RetriesTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream flaky;
    static FakeUpstream down;
    static FakeUpstream healthy;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        flaky = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        down = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        healthy = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        // The failing deployment comes first in each pair: the first call of a group picks it.
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: flaky, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k}, model_info: %4$s}
                  - {model_name: pair, litellm_params: {model: openai/gpt-4o, api_base: "%2$s", api_key: k}, model_info: {id: pair-down, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: pair, litellm_params: {model: openai/gpt-4o, api_base: "%3$s", api_key: k}, model_info: {id: pair-up, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: refused, litellm_params: {model: openai/gpt-4o, api_base: "http://127.0.0.1:%5$d/v1", api_key: k}, model_info: {id: refused-port, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: refused, litellm_params: {model: openai/gpt-4o, api_base: "%3$s", api_key: k}, model_info: {id: refused-up, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                litellm_settings: {num_retries: 2}
                router_settings: {routing_strategy: round-robin}
                general_settings: {master_key: %6$s}
                """.formatted(
                        flaky.baseUrl(), down.baseUrl(), healthy.baseUrl(), E2e.PRICES, closedPort, TestProxy.KEY));
    }

    @AfterEach
    void healthyAgain() {
        flaky.options().failure(FakeFailure.NONE);
        for (FakeUpstream u : List.of(flaky, down, healthy)) {
            u.reset();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        for (FakeUpstream u : List.of(flaky, down, healthy)) {
            u.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static HttpResponse<String> chat(String model, String user, boolean stream) throws Exception {
        return proxy.post("/chat/completions", TestProxy.chat(model, user, stream));
    }

    private static long spendNanos(String customer) throws Exception {
        return E2e.spend(proxy, customer).movePointRight(9).longValueExact();
    }

    /** The exact cost of the answer's own usage at the test prices. */
    private static long billed(JsonNode usage) {
        return E2e.cost(
                        usage.get("prompt_tokens").asLong(),
                        usage.get("completion_tokens").asLong())
                .movePointRight(9)
                .longValueExact();
    }

    @Test
    void aCallThatFailedTwiceSucceedsOnItsThirdAttemptAndIsBilledOnce() throws Exception {
        flaky.options().failTimes(FakeFailure.HTTP_500, 2);
        HttpResponse<String> r = chat("flaky", "retry-twice", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(flaky.requestCount()).isEqualTo(3);
        assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("2");
        assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).hasValue("0");
        assertThat(r.headers().firstValue("x-litellm-model-group")).hasValue("flaky");
        long billed = billed(json(r.body()).get("usage"));
        assertThat(Api.cost(r)).isEqualTo(billed);
        assertThat(spendNanos("retry-twice"))
                .as("the two failed attempts cost nothing")
                .isEqualTo(billed);
    }

    @Test
    void aRetryGoesToAnotherDeploymentOfTheGroup() throws Exception {
        HttpResponse<String> r = chat("pair", "retry-pair", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-litellm-model-id")).hasValue("pair-up");
        assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("1");
        assertThat(down.requestCount())
                .as("the failing deployment is not tried twice")
                .isEqualTo(1);
        assertThat(healthy.requestCount()).isEqualTo(1);
    }

    @Test
    void aConnectionErrorIsRetriedOnTheOtherDeployment() throws Exception {
        HttpResponse<String> r = chat("refused", "retry-connect", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-litellm-model-id")).hasValue("refused-up");
        assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("1");
    }

    @Test
    void aRateLimitedAttemptWaitsForTheUpstreamsRetryAfter() throws Exception {
        flaky.options().failTimes(FakeFailure.HTTP_429, 1);
        HttpResponse<String> r = chat("flaky", "retry-429", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        var requests = flaky.requests();
        assertThat(requests).hasSize(2);
        // The fake says "retry-after: 1": the retry cannot come earlier (a lower bound only).
        assertThat(Duration.between(
                        requests.get(0).receivedAt(), requests.get(1).receivedAt()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void whenEveryAttemptFailsTheLastErrorIsAnsweredAndNothingIsChargedOrHeld() throws Exception {
        // A budget that holds one call's reservation but not two: a reservation left behind by the
        // failed call would refuse the next one.
        HttpResponse<String> created = proxy.post("/customer/new", "{\"user_id\":\"retry-fail\",\"max_budget\":0.003}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        flaky.options().failure(FakeFailure.HTTP_500);
        HttpResponse<String> r = chat("flaky", "retry-fail", false);
        assertThat(r.statusCode()).isEqualTo(500);
        E2e.assertErrorShape(r.body());
        assertThat(flaky.requestCount()).isEqualTo(3);
        assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("2");
        assertThat(E2e.spend(proxy, "retry-fail")).isEqualByComparingTo(BigDecimal.ZERO);

        flaky.options().failure(FakeFailure.NONE);
        HttpResponse<String> next = chat("flaky", "retry-fail", false);
        assertThat(next.statusCode())
                .as("the failed call's reservation was released: " + next.body())
                .isEqualTo(200);
    }

    @Test
    void aClientThatLeavesDuringTheBackoffStopsTheRetryAndIsChargedNothing() throws Exception {
        HttpResponse<String> created = proxy.post("/customer/new", "{\"user_id\":\"retry-gone\",\"max_budget\":0.003}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        flaky.options().failTimes(FakeFailure.HTTP_429, 1); // retry-after: 1 s
        try (RawHttp c = RawHttp.connect(proxy.server().port())) {
            c.send(RawHttp.post(
                    "/v1/chat/completions",
                    TestProxy.chat("flaky", "retry-gone", false),
                    RawHttp.bearer(TestProxy.KEY)));
            assertThat(flaky.awaitRequests(1, Duration.ofSeconds(10))).isTrue();
            // The 429 reaches the proxy within milliseconds; the retry is due a second later. (A
            // client leaving while an attempt is in flight pays the prompt, which is not this case.)
            Thread.sleep(400);
        }
        // Well past the retry's due time: the retry was cancelled with the call.
        Thread.sleep(2_000);
        assertThat(flaky.requestCount()).isEqualTo(1);
        assertThat(E2e.spend(proxy, "retry-gone")).isEqualByComparingTo(BigDecimal.ZERO);
        HttpResponse<String> next = chat("flaky", "retry-gone", false);
        assertThat(next.statusCode())
                .as("no reservation left behind: " + next.body())
                .isEqualTo(200);
    }

    @Test
    void aStreamThatFailedBeforeItsFirstByteIsRetried() throws Exception {
        flaky.options().failTimes(FakeFailure.CLOSE_BEFORE_RESPONSE, 1);
        HttpResponse<String> r = chat("flaky", "retry-stream", true);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("1");
        List<String> ev = events(r.body());
        assertThat(ev.get(ev.size() - 1)).isEqualTo("data: [DONE]\n\n");
        assertThat(r.body()).doesNotContain("\"error\"");
        assertThat(flaky.requestCount()).isEqualTo(2);
        assertThat(spendNanos("retry-stream")).isPositive();
    }

    @Test
    void aStreamCutAfterItsFirstChunksIsNotRetriedAndPaysForWhatItProduced() throws Exception {
        flaky.options().chunkCount(10).failAfterChunks(3).failTimes(FakeFailure.RESET_MID_STREAM, 1);
        try {
            String body;
            try (RawHttp c = RawHttp.connect(proxy.server().port())) {
                c.send(RawHttp.post(
                        "/v1/chat/completions",
                        TestProxy.chat("flaky", "retry-cut", true),
                        RawHttp.bearer(TestProxy.KEY)));
                assertThat(c.readHead().status()).isEqualTo(200);
                body = new String(c.readChunksUntilClose(), StandardCharsets.UTF_8);
            }
            assertThat(body).contains("data: {\"error\"").doesNotContain("[DONE]");
            assertThat(flaky.requestCount()).as("not retried").isEqualTo(1);
            long spend = spendNanos("retry-cut");
            assertThat(spend).as("the prompt and three chunks were produced").isPositive();
            // Three chunks of output at most what ten would cost.
            assertThat(spend).isLessThan(E2e.cost(100, 10).movePointRight(9).longValueExact());
        } finally {
            flaky.options().chunkCount(5).failAfterChunks(2);
        }
    }
}
