package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A region-bound customer's call is never retried or sent to a fallback outside its region; others are. */
class RegionPinTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream euDown;
    static FakeUpstream usUp;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        euDown = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        usUp = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: m, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k, region_name: eu-west-1}, model_info: {id: m-eu, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: m, litellm_params: {model: openai/gpt-4o, api_base: "%2$s", api_key: k, region_name: us-east-1}, model_info: {id: m-us, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: other, litellm_params: {model: openai/gpt-4o, api_base: "%2$s", api_key: k}, model_info: {id: other-1, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                router_settings: {routing_strategy: round-robin, num_retries: 2, fallbacks: [{"m": ["other"]}], disable_cooldowns: true}
                general_settings: {master_key: %3$s}
                """.formatted(euDown.baseUrl(), usUp.baseUrl(), TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        for (FakeUpstream u : List.of(euDown, usUp)) {
            u.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @Test
    void aRegionBoundCallStaysInItsRegion() throws Exception {
        HttpResponse<String> created =
                proxy.post("/customer/new", "{\"user_id\":\"pin-eu\",\"allowed_model_region\":\"eu\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat("m", "pin-eu", false));
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(euDown.requestCount()).isEqualTo(1);
        assertThat(usUp.requestCount())
                .as("neither a retry nor a fallback left the region")
                .isZero();
    }

    @Test
    void aCustomerWithoutARegionIsRetriedElsewhere() throws Exception {
        int euBefore = euDown.requestCount();
        // Round-robin: one of two calls starts on the failing EU deployment and is retried on the US one.
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat("m", "pin-free", false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-litellm-model-id")).hasValue("m-us");
        }
        assertThat(euDown.requestCount() - euBefore).isPositive();
    }
}
