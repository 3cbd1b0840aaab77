package dev.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.json.Json;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SmokeTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream upstream;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults());
        proxy = TestProxy.start("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: sk-upstream}
                  - model_name: mock
                    litellm_params: {model: openai/gpt-3.5-turbo, mock_response: "hello there"}
                general_settings: {master_key: %s}
                """.formatted(upstream.baseUrl(), TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void relaysAndTracksSpend() throws Exception {
        HttpResponse<String> r = proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "cust-1", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-litellm-response-cost")).isPresent();
        HttpResponse<String> s = proxy.post("/v1/chat/completions", TestProxy.chat("gpt-4o", "cust-1", true));
        assertThat(s.statusCode()).as(s.body()).isEqualTo(200);
        assertThat(s.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"choices\":[]");
        HttpResponse<String> m = proxy.post("/chat/completions", TestProxy.chat("mock", "cust-1", false));
        assertThat(m.body()).contains("hello there");
        HttpResponse<String> info = proxy.get("/customer/info?end_user_id=cust-1");
        assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
        assertThat(info.body()).contains("\"user_id\":\"cust-1\"");
    }

    @Test
    void mockProviderStreamsWithUsageOnlyWhenAsked() throws Exception {
        HttpResponse<String> plain = proxy.post("/chat/completions", TestProxy.chat("mock", "cust-stream", true));
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(plain.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(plain.body())
                .startsWith("data: {")
                .endsWith("data: [DONE]\n\n")
                .doesNotContain("\"choices\":[]");
        StringBuilder text = new StringBuilder();
        for (String event : plain.body().split("\n\n")) {
            String data = event.substring("data: ".length());
            if (!data.equals("[DONE]")) {
                text.append(Json.MAPPER
                        .readTree(data)
                        .path("choices")
                        .path(0)
                        .path("delta")
                        .path("content")
                        .asText(""));
            }
        }
        assertThat(text.toString()).isEqualTo("hello there");

        String withUsage = TestProxy.chat("mock", "cust-stream", true)
                .replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        HttpResponse<String> counted = proxy.post("/chat/completions", withUsage);
        String[] events = counted.body().split("\n\n");
        assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
        var usage = Json.MAPPER.readTree(events[events.length - 2].substring("data: ".length()));
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.path("usage").path("completion_tokens").asLong()).isPositive();
        // Both streams were charged: the customer's spend is the sum of the two calls' cost.
        long perCall = new BigDecimal(
                        counted.headers().firstValue("x-litellm-response-cost").orElseThrow())
                .movePointRight(9)
                .longValueExact();
        HttpResponse<String> info = proxy.get("/customer/info?end_user_id=cust-stream");
        long spend = Json.MAPPER
                .readTree(info.body())
                .get("spend")
                .decimalValue()
                .movePointRight(9)
                .longValueExact();
        assertThat(spend).isEqualTo(2 * perCall);
    }
}
