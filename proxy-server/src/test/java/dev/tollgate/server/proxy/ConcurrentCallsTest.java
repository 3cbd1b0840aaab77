package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.json;
import static dev.tollgate.server.proxy.E2e.spend;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** 200 concurrent calls, streaming and not, for several customers on mock and upstream models: all correct. */
class ConcurrentCallsTest {
    static {
        LeakGuard.install();
    }

    private static final int CALLS = 200;
    private static final int PROMPT = 7;
    private static final int COMPLETION = 5;

    static FakeUpstream upstream;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults()
                .ioThreads(2)
                .promptTokens(PROMPT)
                .chunkCount(COMPLETION)
                .latency(Duration.ofMillis(20)));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: fake, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                  - {model_name: mock, litellm_params: {model: openai/gpt-4o-mini, mock_response: "hello there, friend"}, model_info: %s}
                general_settings: {master_key: %s}
                """.formatted(upstream.baseUrl(), E2e.PRICES, E2e.PRICES, TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    private record Call(int i, String model, String customer, boolean stream) {}

    @Test
    void twoHundredConcurrentMixedCallsAllSucceedWithCorrectBodies() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(pool)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        try {
            List<Call> calls = new ArrayList<>();
            Map<String, Integer> fakeCallsPerCustomer = new TreeMap<>();
            for (int i = 0; i < CALLS; i++) {
                boolean fake = i % 4 < 2;
                boolean stream = i % 2 == 1;
                String customer = (fake ? "cc-fake-" : "cc-mock-") + (i / 4) % 5;
                calls.add(new Call(i, fake ? "fake" : "mock", customer, stream));
                if (fake) {
                    fakeCallsPerCustomer.merge(customer, 1, Integer::sum);
                }
            }
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (Call c : calls) {
                HttpRequest r = HttpRequest.newBuilder(URI.create(proxy.base() + "/v1/chat/completions"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + TestProxy.KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(TestProxy.chat(c.model(), c.customer(), c.stream())))
                        .build();
                futures.add(client.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            for (Call c : calls) {
                HttpResponse<String> r = futures.get(c.i()).join();
                assertThat(r.statusCode()).as(c + " " + r.body()).isEqualTo(200);
                String expected = c.model().equals("fake") ? E2e.fakeText(COMPLETION) : "hello there, friend";
                if (c.stream()) {
                    assertThat(r.body())
                            .as(c.toString())
                            .endsWith("data: [DONE]\n\n")
                            .doesNotContain("\"choices\":[]");
                    assertThat(streamedText(r.body())).as(c.toString()).isEqualTo(expected);
                } else {
                    JsonNode body = json(r.body());
                    assertThat(body.at("/choices/0/message/content").asText())
                            .as(c.toString())
                            .isEqualTo(expected);
                }
            }
            assertThat(upstream.requestCount()).isEqualTo(CALLS / 2);
            for (Map.Entry<String, Integer> e : fakeCallsPerCustomer.entrySet()) {
                BigDecimal expected = E2e.cost(PROMPT, COMPLETION).multiply(BigDecimal.valueOf(e.getValue()));
                assertThat(spend(proxy, e.getKey())).as(e.getKey()).isEqualByComparingTo(expected);
            }
            for (int k = 0; k < 5; k++) {
                assertThat(spend(proxy, "cc-mock-" + k)).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String streamedText(String sse) {
        StringBuilder text = new StringBuilder();
        for (String event : E2e.events(sse)) {
            String data = event.substring("data: ".length()).trim();
            if (data.equals("[DONE]")) {
                continue;
            }
            text.append(json(data).at("/choices/0/delta/content").asText(""));
        }
        return text.toString();
    }
}
