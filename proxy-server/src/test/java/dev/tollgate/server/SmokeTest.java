package dev.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bench.testing.LeakGuard;
import dev.tollgate.bench.upstream.FakeUpstream;
import dev.tollgate.bench.upstream.FakeUpstreamOptions;
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
}
