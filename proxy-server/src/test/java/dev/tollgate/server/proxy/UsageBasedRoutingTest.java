package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.ShiftedClock;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code routing_strategy: usage-based-routing-v2} on one instance: each deployment serves at most
 * its {@code rpm} calls a minute, the least used first; when every deployment of the group is at
 * its limit the call is LiteLLM's 429 "No deployments available", charged nothing. The clock
 * starts at a minute's beginning, so the calls cannot straddle two windows.
 */
class UsageBasedRoutingTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream a;
    static FakeUpstream b;
    static FakeUpstream down;
    static FakeUpstream up;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        a = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        b = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        up = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        down = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        String yaml = """
                model_list:
                  - {model_name: pair, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k, rpm: 3}, model_info: {id: pair-a, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: pair, rpm: 3, litellm_params: {model: openai/gpt-4o, api_base: "%2$s", api_key: k}, model_info: {id: pair-b, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: retried, litellm_params: {model: openai/gpt-4o, api_base: "%4$s", api_key: k, rpm: 1}, model_info: {id: retried-down, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: retried, litellm_params: {model: openai/gpt-4o, api_base: "%5$s", api_key: k, rpm: 10}, model_info: {id: retried-up, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                router_settings: {routing_strategy: usage-based-routing-v2, num_retries: 1, disable_cooldowns: true}
                general_settings: {master_key: %3$s}
                """.formatted(a.baseUrl(), b.baseUrl(), TestProxy.KEY, down.baseUrl(), up.baseUrl());
        proxy = TestProxy.start(
                yaml, Files.createTempDirectory("tollgate-test-"), Map.of(), ShiftedClock.atNextMinute());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        for (FakeUpstream u : List.of(a, b, down, up)) {
            u.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @Test
    void eachDeploymentServesItsRpmThenTheGroupRefuses() throws Exception {
        String customer = "ubr-cust";
        Map<String, Integer> served = new HashMap<>();
        BigDecimal charged = BigDecimal.ZERO;
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat("pair", customer, false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            served.merge(r.headers().firstValue("x-litellm-model-id").orElseThrow(), 1, Integer::sum);
            charged = charged.add(new BigDecimal(
                    r.headers().firstValue("x-litellm-response-cost").orElseThrow()));
        }
        assertThat(served).containsExactlyInAnyOrderEntriesOf(Map.of("pair-a", 3, "pair-b", 3));
        assertThat(a.requestCount()).isEqualTo(3);
        assertThat(b.requestCount()).isEqualTo(3);

        HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat("pair", customer, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        String message = E2e.assertErrorShape(r.body()).get("message").asText();
        assertThat(message)
                .startsWith("No deployments available for selected model, Try again in ")
                .contains("Passed model=pair");
        long seconds = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
        assertThat(seconds).as("to the end of the minute").isBetween(1L, 60L);
        assertThat(a.requestCount() + b.requestCount()).as("nothing sent").isEqualTo(6);

        assertThat(charged).isPositive();
        assertThat(E2e.spend(proxy, customer))
                .as("charged for the 6 calls served only")
                .isEqualByComparingTo(charged);
        assertThat(proxy.get("/metrics").body()).contains("reason=\"no_deployments\"");
    }

    @Test
    void aFailedAttemptsRequestStillCounts() throws Exception {
        // Both unused: config order tries retried-down first; it fails and the retry goes to retried-up.
        HttpResponse<String> first = proxy.post("/chat/completions", TestProxy.chat("retried", "ubr-retry", false));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-litellm-model-id")).hasValue("retried-up");
        assertThat(first.headers().firstValue("x-litellm-attempted-retries")).hasValue("1");
        assertThat(down.requestCount()).isEqualTo(1);
        // retried-down used its rpm (1) on the failed attempt, though its tokens settled to 0: the
        // following calls go straight to retried-up.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat("retried", "ubr-retry", false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-litellm-model-id")).hasValue("retried-up");
            assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("0");
        }
        assertThat(down.requestCount()).isEqualTo(1);
        assertThat(up.requestCount()).isEqualTo(4);
    }
}
